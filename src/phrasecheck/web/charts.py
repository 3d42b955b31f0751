"""Server-side SVG charts for 总览: no script, no library, nothing fetched. Colours are SVG
presentation attributes (not style attributes), so the page's CSP needs no 'unsafe-inline'.
Every chart has a <title> and the page shows the same figures as a table for screen readers."""

from __future__ import annotations

from html import escape

W, H = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 44, 44, 14, 34


def _svg(title: str, body: list[str], width: int = W, height: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, s: str, anchor: str = "middle", size: int = 11, fill: str = "#555") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{escape(s)}</text>'


def trend(days: list[dict], max_score: float = 10.0) -> str:
    """Bars: standing findings per 100 conversations (right axis); line: mean attitude score (left axis)."""
    title = "每日趋势：服务态度均分（折线，左轴 0-10）与每百会话问题数（柱，右轴）"
    if not days:
        return _svg(title, [_text(W / 2, H / 2, "所选日期内没有会话")])
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    top = max(10.0, max(d["per_100"] for d in days))
    step = plot_w / len(days)
    body = [f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{W - PAD_R}" y2="{PAD_T + plot_h}" stroke="#999"/>']
    for v in (0, max_score / 2, max_score):
        y = PAD_T + plot_h * (1 - v / max_score)
        body.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#eee"/>')
        body.append(_text(PAD_L - 6, y + 4, f"{v:g}", "end", fill="#1f5fa8"))
        body.append(_text(W - PAD_R + 6, y + 4, f"{top * v / max_score:.0f}", "start", fill="#b35900"))
    points = []
    for i, d in enumerate(days):
        x = PAD_L + step * i
        bh = plot_h * d["per_100"] / top
        bw = min(max(1.0, step * 0.7), 36.0)
        body.append(
            f'<rect x="{x + (step - bw) / 2:.1f}" y="{PAD_T + plot_h - bh:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="#f5c08a">'
            f"<title>{escape(d['day'])}：{d['conversations']} 个会话，每百会话 {d['per_100']} 个问题，态度均分 {d['attitude']}</title></rect>"
        )
        points.append(f"{x + step / 2:.1f},{PAD_T + plot_h * (1 - d['attitude'] / max_score):.1f}")
    body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    for p in points if len(points) <= 62 else ():
        x, y = p.split(",")
        body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="#1f5fa8"/>')
    every = max(1, len(days) // 8)
    for i, d in enumerate(days):
        if i % every == 0 or i == len(days) - 1:
            body.append(_text(PAD_L + step * i + step / 2, H - PAD_B + 16, d["day"][5:]))
    return _svg(title, body)


def histogram(distribution: list[int]) -> str:
    title = "服务态度得分分布（每段的会话数，0-10 分）"
    plot_w, plot_h = W - PAD_L - 10, H - PAD_T - PAD_B
    top = max(distribution or [0]) or 1
    step = plot_w / max(1, len(distribution))
    body = [f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{W - 10}" y2="{PAD_T + plot_h}" stroke="#999"/>']
    for i, n in enumerate(distribution):
        bh = plot_h * n / top
        x = PAD_L + step * i
        label = "10" if i == 10 else f"{i}-{i + 1}"
        body.append(
            f'<rect x="{x + 3:.1f}" y="{PAD_T + plot_h - bh:.1f}" width="{step - 6:.1f}" height="{bh:.1f}" fill="{"#c0392b" if i < 6 else "#7aa95c"}">'
            f"<title>{label} 分：{n} 个会话</title></rect>"
        )
        body.append(_text(x + step / 2, H - PAD_B + 16, label))
        if n:
            body.append(_text(x + step / 2, PAD_T + plot_h - bh - 3, str(n), size=10))
    return _svg(title, body)


def top_rules(rules: list[dict], names: dict[str, tuple[str, str]]) -> str:
    title = "最常见的规则（成立及待复核的问题数）"
    if not rules:
        return _svg(title, [_text(W / 2, 40, "没有问题")], height=60)
    row = 24
    height = PAD_T + row * len(rules) + 10
    label_w = 220
    top = max(r["count"] for r in rules)
    body = []
    for i, r in enumerate(rules):
        y = PAD_T + row * i
        phrase = names.get(r["rule"], ("", ""))[0]
        label = f"{r['rule']} {phrase}"
        if len(label) > 16:
            label = label[:15] + "…"
        bw = (W - label_w - 60) * r["count"] / top
        body.append(_text(label_w - 8, y + 15, label, "end", size=12, fill="#222"))
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(1.0, bw):.1f}" height="{row - 8}" fill="#c0392b"><title>{escape(label)}：{r["count"]} 次</title></rect>'
        )
        body.append(_text(label_w + bw + 6, y + 15, str(r["count"]), "start", size=11))
    return _svg(title, body, height=height)
