using Duragent.Agents;

namespace Duragent.Grains.Tests.Agents;

public class PromptTemplateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 5, 42, TimeSpan.Zero);

    private static string Render(string template) => PromptTemplate.Render(template, "helper", "/agents/helper", Now);

    [Theory]
    [InlineData("Today is {{date}}.", "Today is 2026-11-21.")]
    [InlineData("It is {{time}}.", "It is 09:05 UTC.")]
    [InlineData("I am {{agent.name}} in {{agent.home}}", "I am helper in /agents/helper")]
    [InlineData("{{ date }}", "2026-11-21")]
    [InlineData("{{date}}{{date}}", "2026-11-212026-11-21")]
    [InlineData("no variables", "no variables")]
    [InlineData("", "")]
    public void Render_FillsKnownVariables(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{unknown}} stays")]
    [InlineData("{{agent.description}}")]
    [InlineData("{{}}")]
    [InlineData("open {{date but never closed")]
    [InlineData("lone }} closer")]
    [InlineData("{single}")]
    public void Render_LeavesUnknownAndUnclosedAsWritten(string template) =>
        Assert.Equal(template, Render(template));

    [Fact]
    public void Render_FindsVariablesAfterUnknownOnes()
    {
        Assert.Equal("{{x}} 2026-11-21 {{y", Render("{{x}} {{date}} {{y"));
        Assert.Equal("{{ 2026-11-21", Render("{{ {{date}}"));
    }

    [Fact]
    public void Render_UsesUtc()
    {
        var local = new DateTimeOffset(2026, 11, 22, 1, 30, 0, TimeSpan.FromHours(5));

        Assert.Equal("2026-11-21 20:30 UTC", PromptTemplate.Render("{{date}} {{time}}", "a", "/a", local));
    }
}
