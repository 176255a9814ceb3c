#!/usr/bin/env python3
"""Check the voice pack and chime against voice/pack.toml; exit non-zero on any problem.

Usage: check_audio.py ASSETS_DIR

Per clip: plain PCM RIFF WAVE (fmt chunk of 16 bytes, format tag 1, only fmt
and data chunks), 22050 Hz, mono, 16-bit; duration 0.15-1.2 s for zh and
0.15-1.5 s for en; peak -3 dBFS (+-0.1 dB); RMS well above silence (> -30 dBFS);
first and last sample near zero (faded). The clip list in pack.toml must match
the .wav files in each language folder exactly.
"""
import math
import os
import struct
import sys
import tomllib


def read_wav(path):
    with open(path, "rb") as f:
        data = f.read()
    problems = []
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None, ["not RIFF/WAVE"]
    pos, chunks, fmt, pcm = 12, [], None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        chunks.append(cid.decode("latin-1"))
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            pcm = body
        pos += 8 + size + (size & 1)
    if chunks != ["fmt ", "data"]:
        problems.append(f"chunks {chunks}, want ['fmt ', 'data']")
    if fmt is None or pcm is None:
        return None, problems + ["no fmt/data chunk"]
    tag, ch, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    if (len(fmt), tag, ch, rate, bits) != (16, 1, 1, 22050, 16):
        problems.append(f"format fmtlen={len(fmt)} tag={tag} ch={ch} rate={rate} bits={bits}")
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2])
    return samples, problems


def db(x):
    return 20 * math.log10(x) if x > 0 else -math.inf


def check(path, min_s, max_s):
    samples, problems = read_wav(path)
    if samples is None or not samples:
        return None, problems or ["empty"]
    dur = len(samples) / 22050
    peak = max(abs(s) for s in samples) / 32768
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    if not (min_s <= dur <= max_s):
        problems.append(f"duration {dur:.3f}s outside {min_s}-{max_s}s")
    if abs(db(peak) + 3.0) > 0.1:
        problems.append(f"peak {db(peak):.2f} dBFS, want -3")
    if db(rms) < -30:
        problems.append(f"RMS {db(rms):.1f} dBFS, near silence")
    if abs(samples[0]) > 64 or abs(samples[-1]) > 64:
        problems.append(f"edges not faded: first={samples[0]} last={samples[-1]}")
    return (dur, db(peak), db(rms)), problems


def main():
    assets = sys.argv[1]
    with open(os.path.join(assets, "voice", "pack.toml"), "rb") as f:
        pack = tomllib.load(f)
    failed = False
    stats = []
    for lang in pack["languages"]:
        d = os.path.join(assets, "voice", lang)
        want = set(pack["clips"][lang])
        have = {n[:-4] for n in os.listdir(d) if n.endswith(".wav")}
        if want != have:
            print(f"{lang}: missing {sorted(want - have)} extra {sorted(have - want)}", file=sys.stderr)
            failed = True
        max_s = 1.2 if lang == "zh" else 1.5
        for name in sorted(want & have):
            st, problems = check(os.path.join(d, name + ".wav"), 0.15, max_s)
            if problems:
                print(f"{lang}/{name}.wav: {'; '.join(problems)}", file=sys.stderr)
                failed = True
            if st:
                stats.append((st[0], f"{lang}/{name}.wav", st))
    st, problems = check(os.path.join(assets, "chime.wav"), 1.0, 1.5)
    if problems:
        print(f"chime.wav: {'; '.join(problems)}", file=sys.stderr)
        failed = True
    if failed:
        sys.exit("check_audio.py: FAILED")
    stats.sort()
    short, long_ = stats[0], stats[-1]
    rms_min = min(s[2][2] for s in stats)
    print(
        f"check_audio.py: OK {len(stats)} clips, 22050 Hz mono s16 PCM, peak -3 dBFS; "
        f"shortest {short[1]} {short[0]:.3f}s, longest {long_[1]} {long_[0]:.3f}s, "
        f"lowest RMS {rms_min:.1f} dBFS; chime {st[0]:.3f}s RMS {st[2]:.1f} dBFS"
    )


if __name__ == "__main__":
    main()
