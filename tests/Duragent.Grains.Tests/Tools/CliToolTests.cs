using System.Text.Json;
using Duragent.Tools;

namespace Duragent.Grains.Tests.Tools;

public sealed class CliToolTests
{
    private static CliTool Tool() => new("report", "echo report", "d", idempotent: false, new ProcessRunner(), TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData("{}", "report")]
    [InlineData("{\"args\":\"  \"}", "report")]
    [InlineData("{\"args\":\"--since 1d\"}", "report --since 1d")]
    [InlineData("{\"args\":\"; rm -rf ~\"}", "report ; rm -rf ~")]
    public void DescribeInvocation_IsTheNameAndTheArguments(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, Tool().DescribeInvocation(document.RootElement));
    }
}
