"""The benchmark's table, its targets, and its chart."""

from pathlib import Path

TARGETS = {
    "discovery, 20 actions": 0.20,
    "usage report": 0.15,
    "re-registering an action": 0.08,
}
P99_LIMIT_MS = 10.0
RSS_LIMIT_MB = 80.0


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _verdicts(results) -> dict[str, str]:  # type: ignore[no-untyped-def]
    verdicts = {}
    by_case = {(result.backend, result.case): result for result in results}
    for result in results:
        if result.backend != "sqlite":
            continue
        notes = []
        if result.case in TARGETS:
            notes.append(
                "ok" if result.ratio >= TARGETS[result.case] else f"below {TARGETS[result.case]}"
            )
        if (
            result.case in ("discovery, 20 actions", "usage report")
            and result.p99_ms > P99_LIMIT_MS
        ):
            notes.append(f"p99 over {P99_LIMIT_MS:g} ms")
        if result.case == "discovery, 1000 actions":
            twenty = by_case.get(("sqlite", "discovery, 20 actions"))
            if twenty:
                enough = result.requests_per_second * 1000 >= twenty.requests_per_second * 20
                notes.append("ok" if enough else "rps x actions below the 20-action case")
        if result.case == "usage report" and result.lost:
            notes.append(f"{result.lost} LOST")
        verdicts[result.case] = ", ".join(notes)
    return verdicts


def markdown(machine: dict, results) -> str:  # type: ignore[no-untyped-def]
    verdicts = _verdicts(results)
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}; "
        f"server pinned to one core and wrk to the other: {machine['pinned']}; "
        f"{machine['connections']} connections, {machine['runs']} runs of "
        f"{machine['seconds_per_run']} s (median); {machine['when']}"
        + (" (smoke run)" if machine["smoke"] else ""),
        "",
        "| case | database | req/s | ratio | p50 ms | p99 ms | non-2xx | peak RSS MB | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        verdict = verdicts.get(result.case, "") if result.backend == "sqlite" else ""
        if result.note:
            verdict = f"{verdict}; {result.note}" if verdict else result.note
        lines.append(
            f"| {result.case} | {result.backend} | {result.requests_per_second:,.0f} | "
            f"{result.ratio:.3f} | {result.p50_ms} | {result.p99_ms} | {result.non_2xx} | "
            f"{result.peak_rss_mb} | {verdict} |"
        )
    sqlite_rss = max((r.peak_rss_mb for r in results if r.backend == "sqlite"), default=None)
    if sqlite_rss is not None:
        verdict = "ok" if sqlite_rss <= RSS_LIMIT_MB else "over"
        lines += [
            "",
            f"Peak RSS of the SQLite worker: {sqlite_rss} MB ({verdict}; target "
            f"{RSS_LIMIT_MB:g} MB). Ratios are to the higher of the two ceiling runs.",
        ]
    return "\n".join(lines) + "\n"


def chart(results, path: Path) -> None:  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4))
    for backend in sorted({result.backend for result in results} - {"none"}):
        points = sorted(
            (int(result.case.split()[1]), result.requests_per_second)
            for result in results
            if result.backend == backend and result.case.startswith("discovery")
        )
        axes.plot(
            [size for size, _ in points], [rps for _, rps in points], marker="o", label=backend
        )
    ceiling = max(result.requests_per_second for result in results if result.backend == "none")
    axes.axhline(ceiling, linestyle="--", color="grey", label="bare ASGI app")
    axes.set_xscale("log")
    axes.set_xlabel("actions on the website")
    axes.set_ylabel("discovery requests per second")
    axes.set_title("Discovery throughput, one worker, 32 connections")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
