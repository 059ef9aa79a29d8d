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
    pub tabs: [&'static str; 9],
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
    pub filter: &'static str,
    pub no_rows: &'static str,
    pub loading: &'static str,
    /// the findings are being computed in the background
    pub checking: &'static str,
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
    pub voucher_hit: &'static str,
}

pub const ZH: Strings = Strings {
    app: "直达 zhida",
    rate_col: "执行率",
    peak: "最高",
    tabs: [
        "总览", "项目", "查询", "拨付", "收回", "绩效", "月结", "日志", "对账",
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
    filter: "筛选",
    no_rows: "（无数据）",
    loading: "载入中…",
    checking: "检查中…",
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
        "Recon",
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
    filter: "filter",
    no_rows: "(no rows)",
    loading: "loading…",
    checking: "checking…",
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
        (Scope::Typing, Lang::Zh) => "输入时",
        (Scope::Typing, Lang::En) => "while typing",
        (Scope::Disbursements, Lang::Zh) => "拨付",
        (Scope::Disbursements, Lang::En) => "disbursements",
        (Scope::Recovery, Lang::Zh) => "收回",
        (Scope::Recovery, Lang::En) => "recovery",
        (Scope::Performance, Lang::Zh) => "绩效",
        (Scope::Performance, Lang::En) => "performance",
        (Scope::MonthEnd, Lang::Zh) => "月结",
        (Scope::MonthEnd, Lang::En) => "month-end",
        (Scope::Reconcile, Lang::Zh) => "对账",
        (Scope::Reconcile, Lang::En) => "reconcile",
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
    /// the status cell of a reversal row
    pub reversal: &'static str,
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
    pub recovery_history: &'static str,
    pub nothing_to_recover: &'static str,
    pub credit_hint: &'static str,
    pub clawback_needs_code: &'static str,
    pub code_only_clawback: &'static str,
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
    reversal: "冲销",
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
    recovery_history: "收回记录",
    nothing_to_recover: "该项目没有结余，无可收回",
    credit_hint: "仅追回时填写企业",
    clawback_needs_code: "追回须填写企业统一社会信用代码",
    code_only_clawback: "只有追回才填写企业，请清空或把原因改为追回",
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
    reversal: "reversal",
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
    recovery_history: "Recoveries",
    nothing_to_recover: "this program has no balance to recover",
    credit_hint: "for a clawback only",
    clawback_needs_code: "a clawback needs the enterprise's credit code",
    code_only_clawback: "an enterprise is given only for a clawback: clear it or pick clawback",
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

// ------------------------------------------------------------------------------------
// 月结 Month-end, and the findings shown on 总览 and 项目

/// Labels of the month-end screen and of the findings on the other screens.
pub struct MonthEndStrings {
    pub unacknowledged: &'static str,
    pub can_close: &'static str,
    /// the findings of the month are still being computed
    pub checks_running: &'static str,
    pub no_closed_month: &'static str,
    pub no_findings: &'static str,
    pub detail: &'static str,
    pub ack_hint: &'static str,
    pub fold_hint: &'static str,
    pub select_finding: &'static str,
    pub ack_note: &'static str,
    pub path_hint: &'static str,
    pub bad_extension: &'static str,
    pub no_directory: &'static str,
    pub overwrite: &'static str,
    pub blocked_keys: &'static str,
    pub none: &'static str,
    pub on_month_end: &'static str,
}

pub const ZH_MONTH_END: MonthEndStrings = MonthEndStrings {
    unacknowledged: "未确认",
    can_close: "✓ 没有未确认的错误，可以月结：按 c 关账",
    checks_running: "正在运行检查，完成后即可确认、导出或关账",
    no_closed_month: "尚无已结账月份",
    no_findings: "（没有核查发现）",
    detail: "详情",
    ack_hint: "未确认 · a 填写说明确认",
    fold_hint: "Enter 折叠/展开",
    select_finding: "请先选中一条核查结果",
    ack_note: "确认说明",
    path_hint: ".csv（UTF-8 带 BOM，Excel/WPS 可直接打开）或 .xlsx",
    bad_extension: "文件名应以 .csv 或 .xlsx 结尾",
    no_directory: "目录不存在",
    overwrite: "文件已存在，保存将覆盖它",
    blocked_keys: "a 逐条确认 · 再按 c 强制月结（仅复核/科长） · Esc 显示全部",
    none: "无",
    on_month_end: "7 月结",
};

pub const EN_MONTH_END: MonthEndStrings = MonthEndStrings {
    unacknowledged: "open",
    can_close: "✓ no unacknowledged error: press c to close the month",
    checks_running: "the checks are running: acknowledge, export or close when they are done",
    no_closed_month: "no month closed yet",
    no_findings: "(no findings)",
    detail: "Detail",
    ack_hint: "not acknowledged · a to acknowledge with a note",
    fold_hint: "Enter fold/unfold",
    select_finding: "select a finding first",
    ack_note: "Note",
    path_hint: ".csv (UTF-8 with BOM, opens in Excel/WPS) or .xlsx",
    bad_extension: "the file name must end in .csv or .xlsx",
    no_directory: "no such directory",
    overwrite: "the file exists and will be overwritten",
    blocked_keys: "a acknowledge each · c again to force (supervisor only) · Esc show all",
    none: "none",
    on_month_end: "7 month-end",
};

pub fn month_end(lang: Lang) -> &'static MonthEndStrings {
    match lang {
        Lang::Zh => &ZH_MONTH_END,
        Lang::En => &EN_MONTH_END,
    }
}

/// `错误 3（未确认 2）  警告 5` — the counts on 总览 and the month-end summary.
pub fn finding_counts(lang: Lang, errors: usize, open_errors: usize, warnings: usize) -> String {
    match lang {
        Lang::Zh => format!("错误 {errors}（未确认 {open_errors}）  警告 {warnings}"),
        Lang::En => format!("{errors} error ({open_errors} open)  {warnings} warn"),
    }
}

/// `（未确认 2）` / ` (2 open)` after an error count.
pub fn open_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("（未确认 {n}）"),
        Lang::En => format!(" ({n} open)"),
    }
}

/// The state of the month on the month-end screen.
pub fn month_closed_by(lang: Lang, month: &str, by: &str, at: &str) -> String {
    match lang {
        Lang::Zh => format!("■ {month} 已结账：{by} {at}，该月不能再录入或修改"),
        Lang::En => format!("■ {month} closed by {by} at {at}: nothing dated in it can change"),
    }
}

pub fn cannot_close(lang: Lang, open_errors: usize) -> String {
    match lang {
        Lang::Zh => format!("✗ {open_errors} 条错误未确认，不能月结"),
        Lang::En => format!("✗ {open_errors} unacknowledged errors: the month cannot close"),
    }
}

pub fn last_closed(lang: Lang, month: &str, by: &str) -> String {
    match lang {
        Lang::Zh => format!("上次月结 {month}（{by}）"),
        Lang::En => format!("last closed {month} ({by})"),
    }
}

/// Status line after `r`.
/// `r` on 月结: the checks are running in the background.
pub fn checks_started(lang: Lang, as_of: &str) -> String {
    match lang {
        Lang::Zh => format!("正在后台核查（截至 {as_of}），完成后显示结果"),
        Lang::En => format!("checking as of {as_of} in the background; the results follow"),
    }
}

pub fn checks_ran(lang: Lang, as_of: &str, total: usize, counts: &str, ms: u128) -> String {
    match lang {
        Lang::Zh => format!("核查完成（截至 {as_of}）：共 {total} 条，{counts} · {ms} 毫秒"),
        Lang::En => format!("checks as of {as_of}: {total} findings, {counts} · {ms} ms"),
    }
}

/// A group header: `OVER_CAP 超上限 · 错误 · 3 条 · 未确认 2`.
pub fn finding_group(lang: Lang, rule: &str, severity: &str, n: usize, open: usize) -> String {
    match lang {
        Lang::Zh => format!("{rule} · {severity} · {n} 条 · 未确认 {open}"),
        Lang::En => format!("{rule} · {severity} · {n} · {open} open"),
    }
}

/// Where Enter leads from a finding.
pub fn open_on(lang: Lang, screen: &str) -> String {
    match lang {
        Lang::Zh => format!("Enter 在「{screen}」中查看"),
        Lang::En => format!("Enter shows it on {screen}"),
    }
}

pub fn acknowledged_by(lang: Lang, note: &str, by: &str, at: &str) -> String {
    match lang {
        Lang::Zh => format!("✓ 已确认：{note}（{by} {at}）"),
        Lang::En => format!("✓ acknowledged: {note} ({by} {at})"),
    }
}

pub fn already_closed(lang: Lang, month: &str, by: &str, at: &str) -> String {
    match lang {
        Lang::Zh => format!("{month} 已于 {at} 由 {by} 结账"),
        Lang::En => format!("{month} was closed by {by} at {at}"),
    }
}

/// The refusal in the status line, naming what is open.
pub fn close_blocked(lang: Lang, month: &str, open: &[String]) -> String {
    let shown = open.iter().take(5).cloned().collect::<Vec<_>>();
    let more = open.len().saturating_sub(shown.len());
    match lang {
        Lang::Zh => format!(
            "{month} 有 {} 条未确认的错误，不能月结：{}{}",
            open.len(),
            shown.join("、"),
            if more > 0 {
                format!(" 等（另有 {more} 条）")
            } else {
                String::new()
            }
        ),
        Lang::En => format!(
            "{month} has {} unacknowledged errors and cannot close: {}{}",
            open.len(),
            shown.join(", "),
            if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            }
        ),
    }
}

pub fn blocked_title(lang: Lang, month: &str, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{month} 不能月结：以下 {n} 条错误未确认"),
        Lang::En => format!("{month} cannot close: {n} errors are not acknowledged"),
    }
}

pub fn close_question(lang: Lang, month: &str) -> String {
    match lang {
        Lang::Zh => format!("月结 {month}：结账后该月不能再录入或修改任何数据"),
        Lang::En => {
            format!("Close {month}: nothing dated in it can be entered or changed afterwards")
        }
    }
}

pub fn force_question(lang: Lang, month: &str, n: usize) -> String {
    match lang {
        Lang::Zh => format!("强制月结 {month}，跳过 {n} 条未确认的错误？（需复核/科长角色）"),
        Lang::En => {
            format!("Force-close {month} past {n} unacknowledged errors? (supervisor only)")
        }
    }
}

pub fn report_file(month: &str) -> String {
    format!("zhida-report-{month}.xlsx")
}
/// Strings of the 对账 Reconcile screen.
pub struct Recon {
    pub category: &'static str,
    pub days: &'static str,
    pub file: &'static str,
    pub profile: &'static str,
    pub open_title: &'static str,
    pub file_hint: &'static str,
    pub profile_hint: &'static str,
    pub what: &'static str,
    pub ours: &'static str,
    pub upstream: &'static str,
    pub reference: &'static str,
    pub ack: &'static str,
    pub ack_title: &'static str,
    pub note: &'static str,
    pub not_run: &'static str,
    pub running: &'static str,
    pub open_items: &'static str,
    pub no_key: &'static str,
    pub matched_hidden: &'static str,
    pub nothing_to_open: &'static str,
}

pub const ZH_RECON: Recon = Recon {
    category: "类别",
    days: "天",
    file: "导出文件",
    profile: "对账方案",
    open_title: "选择导出文件与对账方案",
    file_hint: "CSV 或 xlsx 的路径",
    profile_hint: "profiles/ 下的方案名称，或 .toml 路径",
    what: "项",
    ours: "我方",
    upstream: "上游",
    reference: "上游编号",
    ack: "确认",
    ack_title: "确认对账差异",
    note: "说明",
    not_run: "按 o 选择导出文件与对账方案",
    running: "对账中…",
    open_items: "待处理",
    no_key: "一致的行无需确认",
    matched_hidden: "一致项已隐藏，按 m 显示",
    nothing_to_open: "此行没有可打开的拨付或企业",
};

pub const EN_RECON: Recon = Recon {
    category: "Category",
    days: " days",
    file: "Export",
    profile: "Profile",
    open_title: "Export file and profile",
    file_hint: "path of a CSV or xlsx file",
    profile_hint: "name in profiles/, or a .toml path",
    what: "What",
    ours: "Ours",
    upstream: "Upstream",
    reference: "Upstr. ref",
    ack: "Ack",
    ack_title: "Acknowledge difference",
    note: "Note",
    not_run: "press o to pick an export and a profile",
    running: "reconciling…",
    open_items: "open",
    no_key: "a plain match needs no acknowledgement",
    matched_hidden: "matches hidden; m shows them",
    nothing_to_open: "no disbursement or enterprise behind this row",
};

pub fn recon(lang: Lang) -> &'static Recon {
    match lang {
        Lang::Zh => &ZH_RECON,
        Lang::En => &EN_RECON,
    }
}

/// Strings of the 一企一档 enterprise file (查询 Enter) and the form's headroom block.
pub struct FileStrings {
    pub title: &'static str,
    pub totals: &'static str,
    pub cap: &'static str,
    pub headroom: &'static str,
    pub limits: &'static str,
    pub no_cap: &'static str,
    pub groups: &'static str,
    pub clawbacks: &'static str,
    pub findings: &'static str,
    pub basis: &'static str,
    pub none: &'static str,
    pub contact: &'static str,
    pub severity: &'static str,
    pub rule: &'static str,
    pub message: &'static str,
    pub line: &'static str,
}

pub const ZH_FILE: FileStrings = FileStrings {
    title: "一企一档",
    totals: "按项目与年度 · 对照单户年度上限",
    cap: "单户上限",
    headroom: "剩余额度",
    limits: "限制",
    no_cap: "不限",
    groups: "互斥组",
    clawbacks: "收回与追回",
    findings: "核查发现",
    basis: "依据",
    none: "（无）",
    contact: "联系人",
    severity: "级别",
    rule: "规则",
    message: "说明",
    line: "行",
};

pub const EN_FILE: FileStrings = FileStrings {
    title: "Enterprise file",
    totals: "Per program and year, against the caps",
    cap: "Cap",
    headroom: "Headroom",
    limits: "Limits",
    no_cap: "none",
    groups: "Exclusive groups",
    clawbacks: "Clawbacks",
    findings: "Findings",
    basis: "basis",
    none: "(none)",
    contact: "Contact",
    severity: "Sev.",
    rule: "Rule",
    message: "Message",
    line: "line",
};

pub fn file(lang: Lang) -> &'static FileStrings {
    match lang {
        Lang::Zh => &ZH_FILE,
        Lang::En => &EN_FILE,
    }
}
