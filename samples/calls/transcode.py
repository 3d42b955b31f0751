"""Transcode a sample WAV with PyAV (bundled with faster-whisper), for machines without ffmpeg.

python3 transcode.py in.wav out.mp3          # MP3, 32 kbit/s
python3 transcode.py in.wav out.wav mulaw    # G.711 mu-law WAV, as telephone systems record
"""

import sys

import av

CODECS = {"mp3": ("libmp3lame", "s16p"), "mulaw": ("pcm_mulaw", "s16"), "alaw": ("pcm_alaw", "s16")}


def main(src: str, dst: str, kind: str = "mp3") -> None:
    codec, fmt = CODECS[kind]
    with av.open(src) as inp:
        ins = inp.streams.audio[0]
        layout = "stereo" if ins.channels == 2 else "mono"
        frames = list(inp.decode(ins))
    resampler = av.AudioResampler(format=fmt, layout=layout, rate=ins.rate)
    with av.open(dst, "w") as out:
        st = out.add_stream(codec, rate=ins.rate, layout=layout)
        if kind == "mp3":
            st.bit_rate = 32000
        for frame in frames + [None]:
            for f in resampler.resample(frame):
                f.pts = None
                for packet in st.encode(f):
                    out.mux(packet)
        for packet in st.encode(None):
            out.mux(packet)


if __name__ == "__main__":
    main(*sys.argv[1:])
