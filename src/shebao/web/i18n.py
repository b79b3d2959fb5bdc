"""Chinese and English for every page; Chinese is the default."""

from __future__ import annotations

from fastapi import Request

from shebao.analytics.messages import MESSAGES as ANALYTICS_MESSAGES
from shebao.assistance.messages import MESSAGES as ASSISTANCE_MESSAGES
from shebao.benefits.medical.messages import MESSAGES as CLAIMS_MESSAGES
from shebao.benefits.pension.messages import MESSAGES as PENSION_MESSAGES
from shebao.contributions.messages import MESSAGES as EMPLOYER_MESSAGES
from shebao.desk.messages import MESSAGES as DESK_MESSAGES
from shebao.portal.messages import MESSAGES as PORTAL_MESSAGES
from shebao.projection.messages import MESSAGES as PROJECTION_MESSAGES
from shebao.supervision.messages import MESSAGES as SUPERVISION_MESSAGES
from shebao.transfers.messages import MESSAGES as TRANSFER_MESSAGES

LANGUAGES = ("zh", "en")
LANG_COOKIE = "shebao_lang"
# Elder mode (large type, high contrast, fewer choices a page), remembered like the language.
MODES = ("standard", "elder")
MODE_COOKIE = "shebao_mode"

MESSAGES: dict[str, dict[str, str]] = {
    "app_name": {"zh": "社保", "en": "shebao"},
    "tagline": {
        "zh": "全国社会保障服务平台",
        "en": "National social security platform",
    },
    "login": {"zh": "登录", "en": "Sign in"},
    "logout": {"zh": "退出", "en": "Sign out"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "login_failed": {"zh": "用户名或密码错误。", "en": "Wrong username or password."},
    "demo_hint": {
        "zh": "演示账号：citizen、employer、clerk、supervisor、analyst、admin，密码均为 demo。",
        "en": "Demo accounts: citizen, employer, clerk, supervisor, analyst, admin; "
        "the password is demo.",
    },
    "language": {"zh": "语言", "en": "Language"},
    "switch_language": {"zh": "English", "en": "中文"},
    "welcome": {"zh": "欢迎", "en": "Welcome"},
    "role": {"zh": "角色", "en": "Role"},
    "region": {"zh": "服务区域", "en": "Region served"},
    "nation": {"zh": "全国", "en": "Whole nation"},
    "role_citizen": {"zh": "参保人", "en": "Citizen"},
    "role_employer": {"zh": "用人单位", "en": "Employer"},
    "role_clerk": {"zh": "经办人员", "en": "Service-desk clerk"},
    "role_supervisor": {"zh": "基金监督人员", "en": "Fund supervisor"},
    "role_analyst": {"zh": "政策分析人员", "en": "Policy analyst"},
    "role_admin": {"zh": "系统管理员", "en": "Administrator"},
    "my_record": {"zh": "我的参保信息", "en": "My record"},
    "identity_number": {"zh": "公民身份号码", "en": "Identity number"},
    "name": {"zh": "姓名", "en": "Name"},
    "sex": {"zh": "性别", "en": "Sex"},
    "male": {"zh": "男", "en": "Male"},
    "female": {"zh": "女", "en": "Female"},
    "birth_date": {"zh": "出生日期", "en": "Birth date"},
    "hukou_region": {"zh": "户籍地", "en": "Hukou region"},
    "residence_region": {"zh": "参保地", "en": "Region of record"},
    "status": {"zh": "状态", "en": "Status"},
    "my_employer": {"zh": "单位信息", "en": "Employer"},
    "credit_code": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "industry": {"zh": "行业", "en": "Industry"},
    "injury_class": {"zh": "工伤风险类别", "en": "Work-injury risk class"},
    "size": {"zh": "企业规模", "en": "Enterprise size"},
    "person_search": {"zh": "人员查询", "en": "Find a person"},
    "search": {"zh": "查询", "en": "Search"},
    "search_hint": {
        "zh": "姓名开头，或身份号码末尾几位",
        "en": "Start of the name, or the last digits of the identity number",
    },
    "no_results": {"zh": "没有找到。", "en": "Nothing found."},
    "region_overview": {"zh": "辖区概况", "en": "Region overview"},
    "persons_registered": {"zh": "登记人员", "en": "Persons registered"},
    "employers_registered": {"zh": "登记单位", "en": "Employers registered"},
    "accounts": {"zh": "账号", "en": "Accounts"},
    "my_contributions": {"zh": "我的缴费记录", "en": "My contributions"},
    "month": {"zh": "月份", "en": "Month"},
    "payer": {"zh": "缴费单位", "en": "Paid by"},
    "base": {"zh": "缴费基数（元）", "en": "Base (yuan)"},
    "my_pension_share": {"zh": "个人养老（元）", "en": "My pension share (yuan)"},
    "employer_pension_share": {"zh": "单位养老（元）", "en": "Employer pension (yuan)"},
    "paid": {"zh": "已缴", "en": "Paid"},
    "unpaid": {"zh": "未缴", "en": "Unpaid"},
    "contribution_months": {"zh": "累计缴费月数", "en": "Contribution months"},
    "contribution_years": {"zh": "缴费年限", "en": "Contribution years"},
    "years_months": {"zh": "{y} 年 {m} 个月", "en": "{y} years {m} months"},
    "pension_account": {"zh": "养老个人账户（元）", "en": "Pension account (yuan)"},
    "medical_account": {"zh": "医保个人账户（元）", "en": "Medical account (yuan)"},
    "download_csv": {"zh": "下载对账单（CSV）", "en": "Download statement (CSV)"},
    "print": {"zh": "打印", "en": "Print"},
    "no_contributions": {"zh": "暂无缴费记录。", "en": "No contributions yet."},
    "bills": {"zh": "缴费账单", "en": "Bills"},
    "amount": {"zh": "金额（元）", "en": "Amount (yuan)"},
    "due_date": {"zh": "缴费期限", "en": "Due"},
    "late_fee_today": {"zh": "今日滞纳金（元）", "en": "Late fee today (yuan)"},
    "status_open": {"zh": "待缴", "en": "Open"},
    "status_paid": {"zh": "已缴", "en": "Paid"},
    "no_bills": {"zh": "暂无账单。", "en": "No bills yet."},
    "skip_to_content": {"zh": "跳到正文", "en": "Skip to content"},
    "display_mode": {"zh": "显示方式", "en": "Display"},
    "switch_to_elder": {"zh": "长辈模式（大字）", "en": "Elder mode (large type)"},
    "switch_to_standard": {"zh": "标准模式", "en": "Standard mode"},
    "masked_note": {
        "zh": "身份号码默认隐藏中间部分，以保护个人信息。",
        "en": "Identity numbers are masked by default to protect personal data.",
    },
}


for _domain in (PENSION_MESSAGES, CLAIMS_MESSAGES, TRANSFER_MESSAGES, ASSISTANCE_MESSAGES,
                SUPERVISION_MESSAGES, PROJECTION_MESSAGES, PORTAL_MESSAGES, DESK_MESSAGES,
                EMPLOYER_MESSAGES, ANALYTICS_MESSAGES):
    # A domain's pages add words of their own; one key means one text everywhere.
    assert not set(_domain) & set(MESSAGES), set(_domain) & set(MESSAGES)
    MESSAGES |= _domain


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "zh"


def mode_of(request: Request) -> str:
    return "elder" if request.cookies.get(MODE_COOKIE) == "elder" else "standard"


def translator(lang: str):  # type: ignore[no-untyped-def]
    def t(key: str) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            raise KeyError(f"no translation for {key!r}")
        return entry[lang]

    return t
