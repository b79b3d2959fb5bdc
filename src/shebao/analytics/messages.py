"""Chinese and English for the analytics page (merged into web/i18n.MESSAGES)."""

MESSAGES: dict[str, dict[str, str]] = {
    "analytics": {"zh": "薄弱环节分析", "en": "Weak points"},
    "analytics_intro": {
        "zh": "最近一次 shebao analytics report 的指标："
        "覆盖、待遇差距、基金压力、服务差距、再分配。",
        "en": "Indicators of the last `shebao analytics report`: coverage, benefit gaps, fund "
        "pressure, service gaps, redistribution.",
    },
    "analytics_none": {
        "zh": "尚无报告：请运行 shebao analytics report --input 目录 --out report.html。",
        "en": "No report yet: run shebao analytics report --input DIR --out report.html.",
    },
    "analytics_table": {"zh": "数据表", "en": "Table"},
}
