//! The console's pages as maud templates, compiled into the binary. They hold the page's frame,
//! labels and forms in the chosen language (zh-CN first, `?lang=en` for English) and no hall data:
//! `console.js` fills them over REST and the WebSocket. maud escapes every interpolated text.

use maud::{DOCTYPE, Markup, html};

/// The console's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Zh,
    En,
}

impl Lang {
    pub(super) fn from_query(q: Option<&str>) -> Lang {
        match q {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The pages after sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Page {
    Dashboard,
    Audit,
    Notices,
    Windows,
    Staff,
    Cases,
    Reports,
    Bookings,
}

const PAGES: [Page; 8] = [
    Page::Dashboard,
    Page::Reports,
    Page::Cases,
    Page::Bookings,
    Page::Audit,
    Page::Notices,
    Page::Windows,
    Page::Staff,
];

impl Page {
    pub(super) fn from_path(path: &str) -> Option<Page> {
        PAGES.into_iter().find(|p| p.path() == path)
    }

    fn path(self) -> &'static str {
        match self {
            Page::Dashboard => "dashboard",
            Page::Audit => "audit",
            Page::Notices => "notices",
            Page::Windows => "windows",
            Page::Staff => "staff",
            Page::Cases => "cases",
            Page::Reports => "reports",
            Page::Bookings => "bookings",
        }
    }

    fn title(self, l: Lang) -> &'static str {
        match self {
            Page::Dashboard => l.pick("大厅总览", "Dashboard"),
            Page::Audit => l.pick("审计日志", "Audit log"),
            Page::Notices => l.pick("公告", "Notices"),
            Page::Windows => l.pick("窗口业务", "Window services"),
            Page::Staff => l.pick("人员", "Staff"),
            Page::Cases => l.pick("差评工单", "差评 cases"),
            Page::Reports => l.pick("统计报表", "Reports"),
            Page::Bookings => l.pick("预约", "Bookings"),
        }
    }
}

/// The words the script needs, in the page's language (a JSON object in `data-words`).
fn words(l: Lang) -> String {
    let pairs: &[(&str, &str, &str)] = &[
        ("open", "服务中", "open"),
        ("paused", "暂停", "paused"),
        ("closed", "关闭", "closed"),
        ("called", "已叫号", "called"),
        ("serving", "办理中", "serving"),
        ("idle", "空闲", "idle"),
        ("break", "休息", "break"),
        ("meeting", "会议", "meeting"),
        ("consultation", "业务咨询", "consultation"),
        ("other", "其他", "other"),
        ("min", "分钟", "min"),
        ("online", "在线", "online"),
        ("offline", "离线", "offline"),
        ("never_seen", "启动后未连接", "not seen since start"),
        ("since", "自", "since"),
        ("no_warnings", "没有警告", "No warnings"),
        ("waiting_count", "排队人数超限", "Queue too long"),
        ("waiting_minutes", "等候时间超限", "Waited too long"),
        ("over_time_limit", "办理超时", "Over time limit"),
        ("paused_too_long", "暂停过久", "Paused too long"),
        ("device_offline", "设备离线", "Device offline"),
        ("device_fault", "设备故障", "Device fault"),
        ("window", "窗口", "window"),
        ("tickets", "人", "tickets"),
        ("limit", "上限", "limit"),
        ("no_audio", "无音频", "no audio"),
        ("printer", "打印机", "printer"),
        (
            "not_manager",
            "只有大厅管理员或管理员可以登录管理台。",
            "Only hall managers and admins can sign in to the console.",
        ),
        (
            "session_ended",
            "登录已失效，请重新登录。",
            "Your session has ended; please sign in again.",
        ),
        (
            "link_down",
            "连接中断，正在重连…",
            "Connection lost, reconnecting…",
        ),
        ("live", "实时", "live"),
        ("saved", "已保存", "Saved"),
        ("failed", "失败：", "Failed: "),
        ("none", "无", "none"),
        ("yes", "是", "yes"),
        ("out_of_order", "插队", "out of order"),
        ("save", "保存", "Save"),
        ("primary", "主办", "primary"),
        ("secondary", "协办", "secondary"),
        ("manager", "大厅管理员", "manager"),
        ("admin", "管理员", "admin"),
        ("staff", "窗口人员", "staff"),
        ("signed_out", "未签到", "not signed in"),
        ("case_overdue", "差评工单超期", "差评 case overdue"),
        ("case_due_soon", "差评工单即将到期", "差评 case due soon"),
        (
            "notices_failing",
            "到号提醒发送失败",
            "Notices not delivered",
        ),
        ("level_very_satisfied", "非常满意", "very satisfied"),
        ("level_satisfied", "满意", "satisfied"),
        ("level_basic", "基本满意", "fairly satisfied"),
        ("level_dissatisfied", "不满意", "dissatisfied"),
        ("level_very_dissatisfied", "非常不满意", "very dissatisfied"),
        ("step_verify", "核实", "verify"),
        ("step_rectify", "整改", "rectify"),
        ("step_answer", "反馈", "answer"),
        ("step_follow_up", "回访", "follow up"),
        ("timing_on_time", "正常", "on time"),
        ("timing_due_soon", "即将到期", "due soon"),
        ("timing_overdue", "已超期", "overdue"),
        ("timing_closed", "已办结", "closed"),
        ("closed_case", "已办结", "closed"),
        ("appeal", "申诉", "Appeal"),
        ("appeal_pending", "申诉待复核", "appeal pending"),
        ("appeal_upheld", "申诉成立", "upheld"),
        ("appeal_rejected", "申诉驳回", "rejected"),
        ("appeal_none", "无", "none"),
        ("uphold", "申诉成立", "Uphold"),
        ("reject", "驳回申诉", "Reject"),
        ("reason_attitude", "态度", "attitude"),
        ("reason_efficiency", "效率", "efficiency"),
        ("reason_skill", "水平", "skill"),
        ("reason_environment", "环境", "environment"),
        ("reason_other", "其他", "other"),
        ("f_ticket", "号码", "Ticket"),
        ("f_reasons", "原因", "Reasons"),
        ("f_words", "群众留言", "Citizen's words"),
        ("f_due", "办结期限", "Due"),
        ("due", "期限", "due"),
        ("record_step", "记录此步", "Record this step"),
        ("no_cases", "没有工单", "No cases"),
        ("rated", "条评价", "ratings"),
        ("next_step_is", "下一步", "next step"),
        ("total", "合计", "Total"),
        ("downloaded", "已下载", "Downloaded"),
        ("dim_day", "日期", "day"),
        ("dim_service", "业务", "service"),
        ("dim_window", "窗口", "window"),
        ("dim_staff", "工作人员", "staff"),
        ("dim_hour", "时段", "hour"),
        ("dim_weekday", "星期", "weekday"),
        ("dim_class", "类别", "class"),
        ("col_issued", "取号", "issued"),
        ("col_served", "办理", "served"),
        ("col_no_show", "过号", "no-shows"),
        ("col_wait_mean", "平均等候(分)", "mean wait (min)"),
        ("col_wait_p90", "等候P90(分)", "wait p90 (min)"),
        ("col_handle_mean", "平均办理(分)", "mean handling (min)"),
        ("col_handle_p90", "办理P90(分)", "handling p90 (min)"),
        ("col_over_limit", "超时率", "over limit"),
        ("col_out_of_order", "插队", "out of order"),
        ("col_satisfaction", "满意率", "satisfaction"),
        ("booking_booked", "已预约", "booked"),
        ("booking_checked_in", "已签到", "checked in"),
        ("booking_cancelled", "已取消", "cancelled"),
        ("booking_missed", "未到", "missed"),
        (
            "slot_removed",
            "时段已取消，仍有效",
            "slot no longer offered; honoured",
        ),
        ("cancel_booking", "取消预约", "Cancel"),
        ("booked_code", "预约成功，预约码", "Booked; the code is"),
        ("no_bookings", "当天没有预约", "No bookings that day"),
        ("no_slots", "没有可预约的时段", "No free slot"),
        ("free", "余", "free"),
    ];
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, zh, en)| (k.to_string(), l.pick(zh, en).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

fn frame(l: Lang, title: &str, page: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (l.pick("qcall 管理台", "qcall console")) }
                link rel="stylesheet" href="/console/static/console.css";
                script src="/console/static/console.js" defer {}
            }
            body data-page=(page) data-lang=(l.code()) data-words=(words(l)) {
                (body)
            }
        }
    }
}

fn other_lang(l: Lang, path: &str) -> Markup {
    let (code, label) = match l {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    html! { a.lang href=(format!("{path}?lang={code}")) lang=(code) { (label) } }
}

/// The sign-in page.
pub(super) fn sign_in(l: Lang) -> Markup {
    frame(
        l,
        l.pick("登录", "Sign in"),
        "sign-in",
        html! {
            main.signin {
                h1 { (l.pick("qcall 管理台", "qcall console")) }
                p.hint { (l.pick("大厅管理员使用工号和密码登录。", "Hall managers sign in with their staff number and password.")) }
                form #signin {
                    label { (l.pick("工号", "Staff number")) input #staff_no name="staff_no" autocomplete="username" required; }
                    label { (l.pick("密码", "Password")) input #password name="password" type="password" autocomplete="current-password" required; }
                    button type="submit" { (l.pick("登录", "Sign in")) }
                    p #signin-error .error role="alert" {}
                }
                (other_lang(l, "/console"))
            }
        },
    )
}

fn nav(l: Lang, current: Page) -> Markup {
    html! {
        header.top {
            span.brand { (l.pick("qcall 管理台", "qcall console")) }
            nav {
                @for p in PAGES {
                    a href=(format!("/console/{}?lang={}", p.path(), l.code()))
                        class=[(p == current).then_some("current")] { (p.title(l)) }
                }
            }
            span #link .link {}
            span #who .who {}
            (other_lang(l, &format!("/console/{}", current.path())))
            button #signout type="button" { (l.pick("退出", "Sign out")) }
        }
    }
}

/// A page after sign-in.
pub(super) fn page(p: Page, l: Lang) -> Markup {
    let body = match p {
        Page::Dashboard => dashboard(l),
        Page::Audit => audit(l),
        Page::Notices => notices(l),
        Page::Windows => windows(l),
        Page::Staff => staff(l),
        Page::Cases => cases(l),
        Page::Reports => reports(l),
        Page::Bookings => bookings(l),
    };
    frame(
        l,
        p.title(l),
        p.path(),
        html! {
            (nav(l, p))
            main { h1 { (p.title(l)) } (body) }
        },
    )
}

fn dashboard(l: Lang) -> Markup {
    html! {
        section #today .figures {
            div { span.label { (l.pick("今日取号", "Issued today")) } span #t-issued .big { "–" } }
            div { span.label { (l.pick("已办结", "Served")) } span #t-served .big { "–" } }
            div { span.label { (l.pick("过号", "No-shows")) } span #t-no-show .big { "–" } }
            div { span.label { (l.pick("插队叫号", "Out-of-order calls")) } span #t-ooo .big { "–" } }
            div { span.label { (l.pick("今日满意度", "Satisfaction today")) } span #t-satisfaction .big { "–" } }
        }
        section.warnings {
            h2 { (l.pick("警告", "Warnings")) }
            ul #warnings {}
        }
        section {
            h2 { (l.pick("窗口", "Windows")) }
            table #windows {
                thead { tr {
                    th { (l.pick("窗口", "Window")) }
                    th { (l.pick("状态", "State")) }
                    th { (l.pick("工作人员", "Staff")) }
                    th { (l.pick("当前号码", "Current")) }
                    th { (l.pick("时长", "For")) }
                    th { (l.pick("挂起", "Held")) }
                } }
                tbody {}
            }
        }
        section {
            h2 { (l.pick("业务队列", "Queues")) }
            table #services {
                thead { tr {
                    th { (l.pick("业务", "Service")) }
                    th.num { (l.pick("等候", "Waiting")) }
                    th.num { (l.pick("最长等候", "Longest wait")) }
                    th.num { (l.pick("预计等候", "Estimated wait")) }
                    th.num { (l.pick("取号", "Issued")) }
                    th.num { (l.pick("办结", "Served")) }
                    th.num { (l.pick("过号", "No-shows")) }
                } }
                tbody {}
            }
        }
        section {
            h2 { (l.pick("设备", "Devices")) }
            table #devices {
                thead { tr {
                    th { (l.pick("设备", "Device")) }
                    th { (l.pick("类型", "Kind")) }
                    th { (l.pick("连接", "Link")) }
                    th { (l.pick("版本", "Version")) }
                    th { (l.pick("模式", "Mode")) }
                    th { (l.pick("故障", "Faults")) }
                } }
                tbody {}
            }
        }
        section {
            h2 { (l.pick("滚动公告", "Marquee notices")) }
            ul #notices-now .notices {}
        }
    }
}

fn audit(l: Lang) -> Markup {
    html! {
        form #audit-filter .filters {
            label { (l.pick("日期", "Day")) input name="day" type="date"; }
            label { (l.pick("窗口", "Window")) input name="window" type="number" min="1"; }
            label { (l.pick("工号", "Staff number")) input name="staff"; }
            label { (l.pick("操作", "Action"))
                select name="action" {
                    option value="" { (l.pick("全部", "all")) }
                    @for a in ["issue", "call_next", "call_number", "recall", "start", "finish", "finish_and_call_next", "no_show", "requeue", "transfer", "hold", "unhold", "cancel", "sign_in", "sign_out", "pause", "resume", "set_notices", "set_window_services"] {
                        option value=(a) { (a) }
                    }
                }
            }
            label.check { input name="out_of_order" type="checkbox" value="true"; (l.pick("只看插队叫号", "Out-of-order calls only")) }
            button type="submit" { (l.pick("查询", "Search")) }
        }
        table #audit {
            thead { tr {
                th { "#" }
                th { (l.pick("时间", "Time")) }
                th { (l.pick("操作人", "Who")) }
                th { (l.pick("操作", "Action")) }
                th { (l.pick("窗口", "Window")) }
                th { (l.pick("号码", "Number")) }
                th { (l.pick("详情", "Detail")) }
            } }
            tbody {}
        }
        p.pager {
            button #audit-prev type="button" disabled { (l.pick("上一页", "Previous")) }
            span #audit-page {}
            button #audit-next type="button" disabled { (l.pick("下一页", "Next")) }
        }
    }
}

fn notices(l: Lang) -> Markup {
    html! {
        p.hint { (l.pick("每行一条，保存后综合屏立即滚动显示。", "One notice per line; the hall board shows them as soon as they are saved.")) }
        form #notices-form {
            textarea #notices-text rows="6" maxlength="4000" {}
            button type="submit" { (l.pick("保存", "Save")) }
            span #notices-result .result role="status" {}
        }
        h2 { (l.pick("现在显示", "Shown now")) }
        ul #notices-now .notices {}
    }
}

fn windows(l: Lang) -> Markup {
    html! {
        p.hint { (l.pick("勾选每个窗口的主办和协办业务，保存后立即生效。", "Tick each window's primary and secondary services; a change applies at once.")) }
        div #window-services {}
    }
}

fn staff(l: Lang) -> Markup {
    html! {
        table #staff {
            thead { tr {
                th { (l.pick("工号", "Staff number")) }
                th { (l.pick("姓名", "Name")) }
                th { (l.pick("角色", "Role")) }
                th { (l.pick("签到窗口", "Signed in at")) }
                th { (l.pick("可用窗口", "May use")) }
            } }
            tbody {}
        }
    }
}

fn cases(l: Lang) -> Markup {
    html! {
        form #cases-filter .filters {
            label { (l.pick("状态", "State"))
                select name="state" {
                    option value="open" { (l.pick("办理中", "open")) }
                    option value="closed" { (l.pick("已办结", "closed")) }
                    option value="all" { (l.pick("全部", "all")) }
                }
            }
            label { (l.pick("窗口", "Window")) input name="window" type="number" min="1"; }
            button type="submit" { (l.pick("查询", "Search")) }
        }
        p.hint { (l.pick("超期和即将到期的工单排在前面。点击一行查看详情并办理下一步。", "Overdue and nearly due cases come first. Click a row for its steps and the next one.")) }
        table #cases {
            thead { tr {
                th { (l.pick("工单号", "Case")) }
                th { (l.pick("立案时间", "Opened")) }
                th { (l.pick("窗口", "Window")) }
                th { (l.pick("工号", "Staff")) }
                th { (l.pick("业务", "Service")) }
                th { (l.pick("评价", "Rating")) }
                th { (l.pick("下一步", "Next step")) }
                th { (l.pick("本步期限", "Step due")) }
                th { (l.pick("办结期限", "Case due")) }
                th { (l.pick("时限", "Timing")) }
            } }
            tbody {}
        }
        p #cases-status .hint role="status" {}
        section #case .case {}
    }
}

fn bookings(l: Lang) -> Markup {
    html! {
        h2 { (l.pick("代为预约（电话预约）", "Book for a caller on the phone")) }
        form #book-form .filters {
            label { (l.pick("业务", "Service")) select #book-service name="service_id" required {} }
            label { (l.pick("时段", "Slot")) select #book-slot name="slot" required {} }
            label { (l.pick("姓名", "Name")) input name="name" required maxlength="40"; }
            label { (l.pick("手机号", "Phone")) input name="phone" type="tel" required maxlength="20"; }
            label { (l.pick("身份证号（选填）", "Citizen id (optional)")) input name="citizen_id" maxlength="18"; }
            label.check #book-notify-box hidden { input name="notify" type="checkbox"; (l.pick("前一天提醒，签到后到号提醒", "Remind the day before and near the turn")) }
            button type="submit" { (l.pick("预约", "Book")) }
        }
        p #book-result .result role="status" {}
        h2 { (l.pick("当天预约", "Bookings of a day")) }
        form #bookings-filter .filters {
            label { (l.pick("日期", "Date")) input #bookings-date name="date" type="date" required; }
            button type="submit" { (l.pick("查询", "Show")) }
        }
        table #bookings {
            thead { tr {
                th { (l.pick("时段", "Slot")) }
                th { (l.pick("业务", "Service")) }
                th { (l.pick("姓名", "Name")) }
                th { (l.pick("手机", "Phone")) }
                th { (l.pick("预约码", "Code")) }
                th { (l.pick("状态", "State")) }
                th { (l.pick("号码", "Ticket")) }
                th {}
            } }
            tbody {}
        }
        p #bookings-status .hint role="status" {}
    }
}

fn reports(l: Lang) -> Markup {
    html! {
        form #report-form .filters {
            label { (l.pick("开始日期", "From")) input name="from" type="date" required; }
            label { (l.pick("结束日期", "To")) input name="to" type="date" required; }
            fieldset.by {
                legend { (l.pick("分组", "Group by")) }
                @for (value, zh, en) in [("day", "日期", "day"), ("service", "业务", "service"), ("window", "窗口", "window"), ("staff", "工作人员", "staff"), ("hour", "时段", "hour"), ("weekday", "星期", "weekday"), ("class", "类别", "class")] {
                    label.check { input name="by" type="checkbox" value=(value); (l.pick(zh, en)) }
                }
            }
            label { (l.pick("业务（编号，逗号分隔）", "Services (ids)")) input name="service"; }
            label { (l.pick("窗口", "Windows")) input name="window"; }
            button type="submit" { (l.pick("查询", "Show")) }
            button #report-csv type="button" { (l.pick("下载 CSV", "Download CSV")) }
            button #report-xlsx type="button" { (l.pick("下载 XLSX", "Download XLSX")) }
            button #report-print type="button" { (l.pick("打印", "Print")) }
        }
        p #report-status .hint role="status" {}
        div #report {}
    }
}
