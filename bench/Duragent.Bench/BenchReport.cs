namespace Duragent.Bench;

/// <summary>
/// The headline figures of a run that spans several benchmarks (the <c>orleans</c> subcommand), collected as each
/// benchmark prints its own, and printed together at the end as one Markdown table.
/// </summary>
public sealed class BenchReport
{
    private readonly List<ReportRow> _rows = [];

    public IReadOnlyList<ReportRow> Rows => _rows;

    /// <summary>Records one figure under <paramref name="key"/> (the key a documented earlier figure is filed under).</summary>
    public void Add(string key, string figure, string measured, string baseline, string ratio, string target = "", string before = "") =>
        _rows.Add(new ReportRow(key, figure, measured, baseline, ratio, target, before));
}

/// <summary>
/// One headline figure: what was measured, its baseline from the same run and their ratio, the target's verdict, and
/// the pre-Orleans release's figure from the same run when one was measured.
/// </summary>
public sealed record ReportRow(string Key, string Figure, string Measured, string Baseline, string Ratio, string Target, string Before);
