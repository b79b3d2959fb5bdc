"""Chinese and English for the employer's declaration and bill pages (merged into
web/i18n.MESSAGES)."""

MESSAGES: dict[str, dict[str, str]] = {
    "declare": {"zh": "工资申报", "en": "Declare wages"},
    "declare_note": {
        "zh": "上传 CSV 文件：第一行为 identity_number,wage_fen，之后每人一行（工资以分计）。"
              "任何一行有误，整份申报退回并列出所有错误行。",
        "en": "Upload a CSV file: the header identity_number,wage_fen, then one person a line "
              "(wages in fen). Any bad line returns the whole file, listing every bad line.",
    },
    "declare_month": {"zh": "申报月份（YYYY-MM）", "en": "Month (YYYY-MM)"},
    "declare_file": {"zh": "申报文件（CSV）", "en": "Declaration file (CSV)"},
    "upload_and_bill": {"zh": "上传并生成账单", "en": "Upload and bill"},
    "upload_progress": {"zh": "上传进度", "en": "Upload progress"},
    "bill": {"zh": "账单", "en": "Bill"},
    "bill_persons": {"zh": "人数", "en": "Persons"},
    "bill_scheme": {"zh": "险种", "en": "Scheme"},
    "bill_payer": {"zh": "承担方", "en": "Paid by"},
    "payer_employer": {"zh": "单位", "en": "Employer"},
    "payer_employee": {"zh": "个人", "en": "Employee"},
    "payer_person": {"zh": "个人", "en": "The person"},
    "fund_employee_pension": {"zh": "职工基本养老保险", "en": "Employee pension"},
    "fund_employee_medical": {"zh": "职工基本医疗保险", "en": "Employee medical"},
    "fund_unemployment": {"zh": "失业保险", "en": "Unemployment"},
    "fund_work_injury": {"zh": "工伤保险", "en": "Work injury"},
    "open_bill": {"zh": "查看", "en": "View"},
}
