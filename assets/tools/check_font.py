#!/usr/bin/env python3
"""Check the qcall font subset; exits non-zero (loudly) on any missing character.

Usage: check_font.py SUBSET.otf [CHARSET.txt]

Asserts every character of UI_STRINGS (and, if given, every character of the
charset the subset was made from) is in the subset's cmap.
"""
import os
import sys

# Strings the qcall UIs show; every character must render with the bundled font.
UI_STRINGS = [
    "请A001号到3号窗口办理", "取号", "叫号", "重呼", "过号", "顺延", "转移", "挂起",
    "回呼", "特呼", "暂停服务", "恢复", "办结", "综合窗口", "绿色通道", "爱心优先",
    "预约", "非常满意", "满意", "基本满意", "不满意", "非常不满意", "已满", "已截止",
    "暂停取号", "休息", "会议", "业务咨询", "其他", "窗口关闭", "当前无人等候",
    "等候人数", "预计等待", "分钟", "您前面还有", "人", "身份证", "手机号", "适老化",
    "长者模式", "连接中", "网络已断开", "正在重新连接", "党员示范岗", "红旗窗口", "工号",
    "清廉大厅", "办不成事反映窗口", "不动产登记", "社保医保", "公积金", "企业开办",
    "税务", "户籍", "出入境", "请在休息区等候", "过号请到窗口重新排队", "一次性告知",
    "所需材料", "营业执照", "户口簿", "无音频",
]


def main():
    from fontTools.ttLib import TTFont

    path = sys.argv[1]
    font = TTFont(path)
    cmap = font.getBestCmap()
    errors = []
    for s in UI_STRINGS:
        miss = [c for c in s if ord(c) not in cmap]
        if miss:
            errors.append(f"UI string {s!r}: missing {' '.join(f'{c}(U+{ord(c):04X})' for c in miss)}")
    n_charset = 0
    if len(sys.argv) > 2:
        with open(sys.argv[2], encoding="utf-8") as f:
            wanted = f.read()
        n_charset = len(wanted)
        miss = [c for c in wanted if ord(c) not in cmap]
        if miss:
            errors.append(f"charset: {len(miss)} missing, e.g. {' '.join(f'U+{ord(c):04X}' for c in miss[:20])}")
    if errors:
        print("check_font.py: FAILED for " + path, file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    n_ui = len({c for s in UI_STRINGS for c in s})
    print(
        f"check_font.py: OK {os.path.basename(path)}: {os.path.getsize(path)} bytes, "
        f"{font['maxp'].numGlyphs} glyphs, {len(cmap)} cmap entries; "
        f"{len(UI_STRINGS)} UI strings ({n_ui} distinct chars) all present"
        + (f"; all {n_charset} charset chars present" if n_charset else "")
    )


if __name__ == "__main__":
    main()
