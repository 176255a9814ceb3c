#!/usr/bin/env bash
# Regenerates every generated file under assets/ (font subset, voice pack, chime).
#
# Tools (Debian 12 packages + one pinned PyPI package):
#   apt-get update && apt-get install -y fonts-noto-cjk espeak-ng sox
#   pip install fonttools==4.68.0
#
# Versions these committed outputs were made with:
#   fonts-noto-cjk 1:20220127+repack1-1, espeak-ng 1.51+dfsg-10+deb12u2,
#   sox 14.4.2+git20190427-3.5, fonttools 4.68.0, Python 3.11.
#
# Usage: bash assets/build.sh        (from anywhere; paths are relative to this file)
#
# Reproducible: same tool versions -> byte-identical outputs. No timestamps are
# written (pyftsubset keeps the source head.modified; sox WAV has no date), sox
# runs with -D (no dither) and -R (fixed seeds), espeak-ng is deterministic.
set -euo pipefail

ASSETS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_TTC=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SRC_FACE=2   # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK (checked against the name table below)
FONT_OUT="$ASSETS/fonts/NotoSansSC-qcall.otf"
RATE=22050

for tool in python3 sox soxi espeak-ng; do
    command -v "$tool" >/dev/null || { echo "build.sh: missing $tool (see install line at the top)" >&2; exit 1; }
done
[ -f "$SRC_TTC" ] || { echo "build.sh: missing $SRC_TTC (apt-get install fonts-noto-cjk)" >&2; exit 1; }
python3 -c 'import fontTools' 2>/dev/null || { echo "build.sh: missing fontTools (pip install fonttools==4.68.0)" >&2; exit 1; }

export LC_ALL=C.UTF-8
export PYTHONHASHSEED=0
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in assets/tools
# fontTools honours SOURCE_DATE_EPOCH if it ever recalculates head.modified; pin it anyway.
export SOURCE_DATE_EPOCH=0

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

###############################################################################
# 1. Font subset
###############################################################################
echo "== font"
python3 "$ASSETS/tools/font_charset.py" "$SRC_TTC" "$SRC_FACE" > "$TMP/charset.txt"
pyftsubset "$SRC_TTC" \
    --font-number="$SRC_FACE" \
    --text-file="$TMP/charset.txt" \
    --layout-features='' \
    --name-IDs='*' \
    --output-file="$FONT_OUT"
python3 "$ASSETS/tools/check_font.py" "$FONT_OUT" "$TMP/charset.txt"

###############################################################################
# 2. Voice pack
###############################################################################
# Clip post-processing, shared by every clip (one sox command, documented in
# voice/README.md): trim leading silence, 8 ms fade-in, reverse, trim the
# (former) trailing silence, 8 ms fade-in of the reversed = fade-out, reverse
# back, peak-normalise to -3 dBFS; written as 22050 Hz mono s16 plain PCM WAV.
# espeak-ng pads with digital silence, so a low 0.1% threshold is safe and
# keeps soft onsets such as s/f/h/q. (The reverse trick avoids `fade ... -0`,
# which needs a known length that sox loses after `silence`.)
finish_clip() {  # in.wav out.wav
    sox -D -R "$1" -e signed-integer -b 16 -c 1 -r "$RATE" -t wav "$2" \
        silence 1 0.01 0.1% fade t 0.008 reverse \
        silence 1 0.01 0.1% fade t 0.008 reverse \
        norm -3
}

say_zh() {  # out.wav "tone-numbered pinyin"
    espeak-ng -v cmn-latn-pinyin -s 130 -p 50 -w "$TMP/raw.wav" "$2"
    finish_clip "$TMP/raw.wav" "$1"
}
say_en() {  # out.wav "english text"
    espeak-ng -v en-us -s 140 -p 50 -w "$TMP/raw.wav" "$2"
    finish_clip "$TMP/raw.wav" "$1"
}

echo "== voice/zh"
ZH="$ASSETS/voice/zh"
EN="$ASSETS/voice/en"
rm -f "$ZH"/*.wav "$EN"/*.wav
mkdir -p "$ZH" "$EN"

zh_digits=(ling2 yi1 er4 san1 si4 wu3 liu4 qi1 ba1 jiu3)
for i in "${!zh_digits[@]}"; do say_zh "$ZH/$i.wav" "${zh_digits[$i]}"; done
say_zh "$ZH/10.wav"        "shi2"
say_zh "$ZH/qing.wav"      "qing3"
say_zh "$ZH/hao.wav"       "hao4"
say_zh "$ZH/dao.wav"       "dao4"
say_zh "$ZH/chuangkou.wav" "chuang1 kou3"
say_zh "$ZH/banli.wav"     "ban4 li3"
say_zh "$ZH/bai.wav"       "bai3"

echo "== voice/en"
en_nums=(zero one two three four five six seven eight nine
         ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen)
for i in "${!en_nums[@]}"; do say_en "$EN/$i.wav" "${en_nums[$i]}"; done
en_tens=(twenty thirty forty fifty sixty seventy eighty ninety)
for i in "${!en_tens[@]}"; do say_en "$EN/$(( (i + 2) * 10 )).wav" "${en_tens[$i]}"; done
say_en "$EN/number.wav"       "number"
say_en "$EN/please_go_to.wav" "please go to"
say_en "$EN/window.wav"       "window"
say_en "$EN/hundred.wav"      "hundred"

# Letters: read by their English names in both packs (as is usual in Chinese
# halls), so the zh pack gets the same English-voice clips.
for l in {a..z}; do
    say_en "$EN/letter_$l.wav" "${l^^}"
    cp "$EN/letter_$l.wav" "$ZH/letter_$l.wav"
done

###############################################################################
# 3. Chime: two-tone "ding-dong" (G5 then E5), bell-like partials with
#    exponential decay (sox "fade l" = linear-in-dB), 1.2 s total.
###############################################################################
echo "== chime"
partial() {  # out freq gain decay_s length_s delay_s
    # fade h 0.004: 4 ms soft attack; fade l 0 D D: -100 dB over D seconds
    # (exponential decay); trim to the wanted length; pad to start later.
    sox -D -R -n -r "$RATE" -c 1 -e floating-point -b 32 -t wav "$1" \
        synth "$4" sine "$2" vol "$3" \
        fade h 0.004 fade l 0 "$4" "$4" trim 0 "$5" pad "$6"
}
#        out             freq     gain  decay len  delay
partial "$TMP/d1.wav"    783.99   1.00  2.2   1.2  0      # ding fundamental (G5)
partial "$TMP/d2.wav"   1567.98   0.25  0.9   0.9  0      # 2nd harmonic, dies faster
partial "$TMP/d3.wav"   2351.97   0.06  0.4   0.4  0      # 3rd harmonic, short "strike"
partial "$TMP/g1.wav"    659.26   1.00  2.2   0.8  0.4    # dong fundamental (E5)
partial "$TMP/g2.wav"   1318.51   0.25  0.9   0.8  0.4
partial "$TMP/g3.wav"   1977.78   0.06  0.4   0.4  0.4
sox -D -R -m \
    -v 0.55 "$TMP/d1.wav" -v 0.55 "$TMP/d2.wav" -v 0.55 "$TMP/d3.wav" \
    -v 0.60 "$TMP/g1.wav" -v 0.60 "$TMP/g2.wav" -v 0.60 "$TMP/g3.wav" \
    -t wav -e floating-point -b 32 "$TMP/chime_mix.wav" trim 0 1.2
sox -D -R "$TMP/chime_mix.wav" -e signed-integer -b 16 -c 1 -r "$RATE" -t wav \
    "$ASSETS/chime.wav" fade h 0.002 -0 0.03 norm -3

###############################################################################
# 4. Sanity checks on the audio (format, duration, level)
###############################################################################
echo "== check audio"
python3 "$ASSETS/tools/check_audio.py" "$ASSETS"
echo "build.sh: done"
