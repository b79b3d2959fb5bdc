"""Chinese and English for the projection page (merged into web/i18n.MESSAGES)."""

MESSAGES: dict[str, dict[str, str]] = {
    "projections": {"zh": "精算预测", "en": "Projections"},
    "projection_intro": {
        "zh": "城镇职工基本养老保险基金：两种情景并列比较；扇形图为随机模拟的P10–P90区间。",
        "en": "Urban employee pension fund: two scenarios side by side; fan charts show the "
        "stochastic P10–P90 band.",
    },
    "scenario_a": {"zh": "情景A", "en": "Scenario A"},
    "scenario_b": {"zh": "情景B", "en": "Scenario B"},
    "to_year": {"zh": "预测至（年）", "en": "Project to (year)"},
    "draws": {"zh": "随机模拟次数", "en": "Stochastic draws"},
    "run_projection": {"zh": "运行", "en": "Run"},
    "depletion_year": {"zh": "基金耗尽年份", "en": "Fund depleted in"},
    "not_depleted": {"zh": "预测期内不耗尽", "en": "not within the projection"},
    "depletion_probability": {
        "zh": "预测期末前耗尽概率",
        "en": "Probability of depletion by the last year",
    },
    "fan_chart": {"zh": "基金余额扇形图（P10–P90）", "en": "Fund balance fan chart (P10–P90)"},
    "balances_compared": {"zh": "基金余额比较", "en": "Fund balances compared"},
    "dependency_2050": {"zh": "2050年制度赡养率", "en": "System dependency ratio, 2050"},
    "population_chart": {"zh": "人口预测（WPP 2024中方案）", "en": "Population (WPP 2024 medium)"},
    "validation": {"zh": "校验", "en": "Validation"},
    "projection_running": {"zh": "正在计算……", "en": "Computing…"},
}
