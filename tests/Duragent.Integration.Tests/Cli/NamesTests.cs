using Duragent.Cli.Doctor;
using Duragent.Cli.Output;

namespace Duragent.Integration.Tests.Cli;

public sealed class NamesTests
{
    [Theory]
    [InlineData(0, "warning", null, "0 warnings")]
    [InlineData(1, "warning", null, "1 warning")]
    [InlineData(2, "error", null, "2 errors")]
    [InlineData(1, "match", "matches", "1 match")]
    [InlineData(3, "match", "matches", "3 matches")]
    public void Count_PutsTheNounInTheRightNumber(long count, string singular, string? plural, string expected) =>
        Assert.Equal(expected, Names.Count(count, singular, plural));

    [Fact]
    public void DoctorSummary_SaysOneWarningAndOneError_NotWarningsAndErrors()
    {
        var report = new DoctorReport();
        var section = report.Section("Checks");
        section.Ok("fine");
        section.Warn("hmm");
        section.Error("bad");

        Assert.EndsWith("Summary: 1 ok, 1 warning, 1 error\n", report.ToText(colors: false), StringComparison.Ordinal);
    }
}
