//! Every string the terminal interface shows, once per language (zh-CN default, en).
//! Key descriptions live beside their keys in the keymap table.

use zhida_core::search::MatchKind;
use zhida_core::Lang;

use super::action::ScreenId;
use super::keymap::{KeymapError, Scope};

pub struct Strings {
    pub app: &'static str,
    pub rate_col: &'static str,
    pub peak: &'static str,
    pub tabs: [&'static str; 8],
    pub user: &'static str,
    pub as_of: &'static str,
    pub unit_yuan: &'static str,
    pub unit_wan: &'static str,
    pub ready: &'static str,
    pub refreshed: &'static str,
    pub help_title: &'static str,
    pub help_close: &'static str,
    pub palette_title: &'static str,
    pub palette_none: &'static str,
    pub confirm_quit: &'static str,
    pub placeholder: &'static str,
    pub filter: &'static str,
    pub no_rows: &'static str,
    pub loading: &'static str,
    pub rows: &'static str,
    pub sorted_by: &'static str,
    pub ascending: &'static str,
    pub descending: &'static str,
    // figures
    pub budget: &'static str,
    pub paid: &'static str,
    pub committed: &'static str,
    pub balance: &'static str,
    pub recovered: &'static str,
    pub exec_rate: &'static str,
    pub time_progress: &'static str,
    pub gap: &'static str,
    // overview
    pub paid_per_month: &'static str,
    pub lagging: &'static str,
    pub findings: &'static str,
    pub findings_slot: &'static str,
    pub programs_count: &'static str,
    // programs
    pub code: &'static str,
    pub name: &'static str,
    pub department: &'static str,
    pub last_payment: &'static str,
    pub flags: &'static str,
    pub allocations: &'static str,
    pub disbursements: &'static str,
    pub recoveries: &'static str,
    pub evaluations: &'static str,
    pub indicators: &'static str,
    pub date: &'static str,
    pub amount: &'static str,
    pub doc_no: &'static str,
    pub voucher: &'static str,
    pub enterprise: &'static str,
    pub status: &'static str,
    pub reason: &'static str,
    pub reallocated_to: &'static str,
    pub year: &'static str,
    pub score: &'static str,
    pub grade: &'static str,
    pub actual: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    // lookup
    pub lookup_prompt: &'static str,
    pub lookup_hint: &'static str,
    pub lookup_none: &'static str,
    pub index_size: &'static str,
    pub matched_by: &'static str,
    pub program: &'static str,
    pub count: &'static str,
    pub credit_code: &'static str,
    pub size: &'static str,
    pub township: &'static str,
    pub industry: &'static str,
    pub totals_by_program_year: &'static str,
    pub voucher_hit: &'static str,
}

pub const ZH: Strings = Strings {
    app: "直达 zhida",
    rate_col: "执行率",
    peak: "最高",
    tabs: [
        "总览", "项目", "查询", "拨付", "收回", "绩效", "月结", "日志",
    ],
    user: "用户",
    as_of: "截至",
    unit_yuan: "元",
    unit_wan: "万元",
    ready: "就绪 — 按 ? 查看全部按键",
    refreshed: "已刷新",
    help_title: "按键帮助",
    help_close: "Esc 关闭 · j/k 滚动",
    palette_title: "命令面板",
    palette_none: "没有匹配的命令",
    confirm_quit: "有未保存的表单，确定退出？(y 退出 / 其他键取消)",
    placeholder: "此页面正在建设中",
    filter: "筛选",
    no_rows: "（无数据）",
    loading: "载入中…",
    rows: "条",
    sorted_by: "排序",
    ascending: "升序",
    descending: "降序",
    budget: "指标",
    paid: "已拨付",
    committed: "在途",
    balance: "结余",
    recovered: "已收回",
    exec_rate: "执行率",
    time_progress: "时间进度",
    gap: "差距",
    paid_per_month: "每月拨付",
    lagging: "执行滞后项目",
    findings: "核查发现",
    findings_slot: "—（核查模块待接入）",
    programs_count: "项目数",
    code: "编码",
    name: "名称",
    department: "主管部门",
    last_payment: "最近拨付",
    flags: "疑点",
    allocations: "指标下达",
    disbursements: "拨付明细",
    recoveries: "收回",
    evaluations: "绩效评价",
    indicators: "绩效指标",
    date: "日期",
    amount: "金额",
    doc_no: "文号",
    voucher: "凭证号",
    enterprise: "企业",
    status: "状态",
    reason: "原因",
    reallocated_to: "统筹至",
    year: "年度",
    score: "得分",
    grade: "等级",
    actual: "实际",
    yes: "是",
    no: "否",
    lookup_prompt: "查询",
    lookup_hint: "企业名称 / 拼音首字母 / 全拼 / 信用代码 / 凭证号",
    lookup_none: "没有匹配的企业或凭证",
    index_size: "家企业",
    matched_by: "匹配",
    program: "项目",
    count: "笔数",
    credit_code: "统一社会信用代码",
    size: "规模",
    township: "乡镇",
    industry: "行业",
    totals_by_program_year: "按项目与年度合计（已拨付）",
    voucher_hit: "凭证",
};

pub const EN: Strings = Strings {
    app: "zhida 直达",
    rate_col: "Rate",
    peak: "max",
    tabs: [
        "Overview",
        "Programs",
        "Lookup",
        "Disburse",
        "Recovery",
        "Perform",
        "Month-end",
        "Log",
    ],
    user: "user",
    as_of: "as of",
    unit_yuan: "yuan",
    unit_wan: "10k yuan",
    ready: "Ready — press ? for all keys",
    refreshed: "Refreshed",
    help_title: "Keys",
    help_close: "Esc close · j/k scroll",
    palette_title: "Command palette",
    palette_none: "no matching command",
    confirm_quit: "A form has unsaved changes. Quit? (y quit / any other key cancels)",
    placeholder: "This screen is under construction",
    filter: "filter",
    no_rows: "(no rows)",
    loading: "loading…",
    rows: "rows",
    sorted_by: "sort",
    ascending: "asc",
    descending: "desc",
    budget: "Budget",
    paid: "Paid",
    committed: "In flight",
    balance: "Balance",
    recovered: "Recovered",
    exec_rate: "Execution",
    time_progress: "Time",
    gap: "Gap",
    paid_per_month: "Paid per month",
    lagging: "Most lagging programs",
    findings: "Findings",
    findings_slot: "— (checks not connected yet)",
    programs_count: "programs",
    code: "Code",
    name: "Name",
    department: "Department",
    last_payment: "Last paid",
    flags: "Flags",
    allocations: "Allocations",
    disbursements: "Disbursements",
    recoveries: "Recoveries",
    evaluations: "Evaluations",
    indicators: "Indicators",
    date: "Date",
    amount: "Amount",
    doc_no: "Doc no.",
    voucher: "Voucher",
    enterprise: "Enterprise",
    status: "Status",
    reason: "Reason",
    reallocated_to: "Realloc. to",
    year: "Year",
    score: "Score",
    grade: "Grade",
    actual: "Actual",
    yes: "yes",
    no: "no",
    lookup_prompt: "Find",
    lookup_hint: "name / pinyin initials / full pinyin / credit code / voucher",
    lookup_none: "no matching enterprise or voucher",
    index_size: "enterprises",
    matched_by: "match",
    program: "Program",
    count: "Rows",
    credit_code: "Credit code",
    size: "Size",
    township: "Township",
    industry: "Industry",
    totals_by_program_year: "Paid per program and year",
    voucher_hit: "voucher",
};

pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

pub fn tab(id: ScreenId, lang: Lang) -> &'static str {
    strings(lang).tabs[id.index()]
}

pub fn scope_label(scope: Scope, lang: Lang) -> &'static str {
    match (scope, lang) {
        (Scope::Global, Lang::Zh) => "全局",
        (Scope::Global, Lang::En) => "everywhere",
        (Scope::List, Lang::Zh) => "列表",
        (Scope::List, Lang::En) => "any list",
        (Scope::Disbursements, Lang::Zh) => "拨付",
        (Scope::Disbursements, Lang::En) => "disbursements",
        (Scope::Recovery, Lang::Zh) => "收回",
        (Scope::Recovery, Lang::En) => "recovery",
        (Scope::Performance, Lang::Zh) => "绩效",
        (Scope::Performance, Lang::En) => "performance",
        (Scope::MonthEnd, Lang::Zh) => "月结",
        (Scope::MonthEnd, Lang::En) => "month-end",
    }
}

pub fn match_kind(kind: MatchKind, lang: Lang) -> &'static str {
    use MatchKind::*;
    match (kind, lang) {
        (ExactCode, Lang::Zh) => "代码",
        (ExactCode, Lang::En) => "code",
        (CodePrefix, Lang::Zh) => "代码前缀",
        (CodePrefix, Lang::En) => "code prefix",
        (NamePrefix | NameSubstring, Lang::Zh) => "名称",
        (NamePrefix | NameSubstring, Lang::En) => "name",
        (InitialsPrefix | InitialsSubstring, Lang::Zh) => "首字母",
        (InitialsPrefix | InitialsSubstring, Lang::En) => "initials",
        (FullPinyinPrefix | FullPinyinSubstring, Lang::Zh) => "全拼",
        (FullPinyinPrefix | FullPinyinSubstring, Lang::En) => "pinyin",
    }
}

pub fn keymap_error(e: &KeymapError, lang: Lang) -> String {
    match (e, lang) {
        (KeymapError::UnknownAction(a), Lang::Zh) => {
            format!("配置 [keys]: 未知操作 '{a}'，已忽略")
        }
        (KeymapError::UnknownAction(a), Lang::En) => {
            format!("config [keys]: unknown action '{a}', ignored")
        }
        (KeymapError::BadKey { action, reason }, Lang::Zh) => {
            format!("配置 [keys] {action}: {reason}，保留默认按键")
        }
        (KeymapError::BadKey { action, reason }, Lang::En) => {
            format!("config [keys] {action}: {reason}; default kept")
        }
        (KeymapError::Conflict { key, first, second }, Lang::Zh) => {
            format!("按键冲突: {key} 同时绑定 {first} 与 {second}，{first} 优先")
        }
        (KeymapError::Conflict { key, first, second }, Lang::En) => {
            format!("key conflict: {key} is bound to both {first} and {second}; {first} wins")
        }
    }
}

/// `王科长（复核）` / `王科长 (supervisor)`
pub fn user_role(lang: Lang, user: &str, role: &str) -> String {
    match lang {
        Lang::Zh => format!("{user}（{role}）"),
        Lang::En => format!("{user} ({role})"),
    }
}

pub fn sorted_msg(lang: Lang, column: &str, desc: bool) -> String {
    let s = strings(lang);
    format!(
        "{}: {column} {}",
        s.sorted_by,
        if desc { s.descending } else { s.ascending }
    )
}

pub fn unit_msg(lang: Lang, wan: bool) -> String {
    let s = strings(lang);
    match lang {
        Lang::Zh => format!("金额单位: {}", if wan { s.unit_wan } else { s.unit_yuan }),
        Lang::En => format!("amounts in {}", if wan { s.unit_wan } else { s.unit_yuan }),
    }
}

pub fn month_msg(lang: Lang, month: &str) -> String {
    match lang {
        Lang::Zh => format!("截至月份: {month}"),
        Lang::En => format!("as-of month: {month}"),
    }
}

pub fn not_built(lang: Lang, what: &str) -> String {
    match lang {
        Lang::Zh => format!("{what}: 此页面尚未实现"),
        Lang::En => format!("{what}: not available on this screen yet"),
    }
}

/// Strings of the work screens (拨付, 收回, 绩效, 月结, 日志) and their forms.
#[allow(dead_code)] // SLOT(checks): recovery and month-end strings
pub struct Work {
    pub required: &'static str,
    pub must_be_positive: &'static str,
    pub bad_score: &'static str,
    pub bad_number: &'static str,
    pub no_choices: &'static str,
    pub confirm_save: &'static str,
    pub confirm_yes_no: &'static str,
    pub form_keys: &'static str,
    pub all: &'static str,
    pub entered_by: &'static str,
    pub approved_by: &'static str,
    pub note: &'static str,
    pub month: &'static str,
    pub new_disbursement: &'static str,
    pub reject_title: &'static str,
    pub reverse_title: &'static str,
    pub filter_title: &'static str,
    pub reversal_voucher: &'static str,
    pub unknown_enterprise: &'static str,
    pub voucher_taken: &'static str,
    pub month_closed: &'static str,
    pub none_selected: &'static str,
    pub enterprise_hint: &'static str,
    pub month_hint: &'static str,
    pub reverses: &'static str,
    pub evaluator: &'static str,
    pub target: &'static str,
    pub met: &'static str,
    pub missed: &'static str,
    pub no_evaluation: &'static str,
    pub balance_rate: &'static str,
    pub on_time_rate: &'static str,
    pub full_rate: &'static str,
    pub evaluation_title: &'static str,
    pub indicator_title: &'static str,
    pub actual_hint: &'static str,
    pub no_indicator: &'static str,
    pub days_idle: &'static str,
    pub finding: &'static str,
    pub recovery_title: &'static str,
    pub reallocate: &'static str,
    pub no_reallocation: &'static str,
    pub severity: &'static str,
    pub rule: &'static str,
    pub message: &'static str,
    pub acknowledged: &'static str,
    pub not_run: &'static str,
    pub ack_title: &'static str,
    pub export_title: &'static str,
    pub path: &'static str,
    pub closed: &'static str,
    pub open: &'static str,
    pub audit_tab: &'static str,
    pub at: &'static str,
    pub user: &'static str,
    pub action: &'static str,
    pub table: &'static str,
    pub key: &'static str,
    pub change: &'static str,
}

pub const ZH_WORK: Work = Work {
    required: "必填",
    must_be_positive: "金额必须大于零",
    bad_score: "得分应为 0–100，最多两位小数",
    bad_number: "不是数字",
    no_choices: "没有可选项",
    confirm_save: "确认保存？ y / Enter 确认 · Esc 返回修改",
    confirm_yes_no: "y / Enter 确认 · n / Esc 取消",
    form_keys: "Enter 下一项/保存 · ↑↓ Tab 切换 · 空格 切换选项 · Esc 取消",
    all: "全部",
    entered_by: "录入",
    approved_by: "复核",
    note: "备注",
    month: "月份",
    new_disbursement: "新增拨付",
    reject_title: "退回凭证",
    reverse_title: "冲销凭证",
    filter_title: "筛选拨付",
    reversal_voucher: "冲销凭证号",
    unknown_enterprise: "企业未登记，请先导入或登记企业",
    voucher_taken: "凭证号已存在",
    month_closed: "该月已结账，不能录入",
    none_selected: "没有选中的行",
    enterprise_hint: "名称片段 / 拼音首字母 / 信用代码，空 = 全部",
    month_hint: "YYYY-MM，空 = 全部",
    reverses: "冲销",
    evaluator: "评价人",
    target: "目标",
    met: "达成",
    missed: "未达成",
    no_evaluation: "未评价",
    balance_rate: "结余率",
    on_time_rate: "按时率",
    full_rate: "足额率",
    evaluation_title: "绩效评价",
    indicator_title: "指标实际值",
    actual_hint: "空 = 清除实际值",
    no_indicator: "该项目没有绩效指标",
    days_idle: "闲置天数",
    finding: "核查",
    recovery_title: "登记收回",
    reallocate: "统筹至",
    no_reallocation: "不统筹（上缴）",
    severity: "级别",
    rule: "规则",
    message: "说明",
    acknowledged: "已确认",
    not_run: "按 r 运行核查",
    ack_title: "确认核查结果",
    export_title: "导出月度通报",
    path: "路径",
    closed: "已结账",
    open: "未结账",
    audit_tab: "日志",
    at: "时间",
    user: "用户",
    action: "操作",
    table: "表",
    key: "键",
    change: "变更",
};

pub const EN_WORK: Work = Work {
    required: "required",
    must_be_positive: "amount must be positive",
    bad_score: "score must be 0–100 with at most two decimals",
    bad_number: "not a number",
    no_choices: "nothing to choose from",
    confirm_save: "Save? y / Enter confirm · Esc back to the form",
    confirm_yes_no: "y / Enter confirm · n / Esc cancel",
    form_keys: "Enter next/save · ↑↓ Tab move · Space cycle choice · Esc cancel",
    all: "all",
    entered_by: "Entered",
    approved_by: "Approved",
    note: "Note",
    month: "Month",
    new_disbursement: "New disbursement",
    reject_title: "Reject voucher",
    reverse_title: "Reverse voucher",
    filter_title: "Filter disbursements",
    reversal_voucher: "Reversal voucher",
    unknown_enterprise: "enterprise not registered; import or register it first",
    voucher_taken: "voucher already exists",
    month_closed: "that month is closed",
    none_selected: "no row selected",
    enterprise_hint: "name fragment / pinyin initials / credit code; empty = all",
    month_hint: "YYYY-MM; empty = all",
    reverses: "reverses",
    evaluator: "Evaluator",
    target: "Target",
    met: "met",
    missed: "missed",
    no_evaluation: "not evaluated",
    balance_rate: "Balance",
    on_time_rate: "On time",
    full_rate: "Full pay",
    evaluation_title: "Performance evaluation",
    indicator_title: "Indicator actual",
    actual_hint: "empty = clear the actual",
    no_indicator: "this program has no indicators",
    days_idle: "Days idle",
    finding: "Finding",
    recovery_title: "Record a recovery",
    reallocate: "Reallocate to",
    no_reallocation: "none (returned)",
    severity: "Sev.",
    rule: "Rule",
    message: "Message",
    acknowledged: "acknowledged",
    not_run: "press r to run the checks",
    ack_title: "Acknowledge finding",
    export_title: "Export the monthly report",
    path: "Path",
    closed: "closed",
    open: "open",
    audit_tab: "Log",
    at: "At",
    user: "User",
    action: "Action",
    table: "Table",
    key: "Key",
    change: "Change",
};

pub fn work(lang: Lang) -> &'static Work {
    match lang {
        Lang::Zh => &ZH_WORK,
        Lang::En => &EN_WORK,
    }
}
