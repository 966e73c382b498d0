using Duragent.Memory;

namespace Duragent.Grains.Tests.Memory;

public sealed class MemorySearchTests
{
    private static readonly MemoryDocument[] Documents =
    [
        new("project-alpha", "world/project-alpha.md", "# Project Alpha\n\nThe deployment runs on Fridays.\nDeploy with the blue pipeline.\n\nThe team lunch is on Tuesday.\n"),
        new("MEMORY.md", "memory/MEMORY.md", "Ada prefers short answers.\n\nThe staging database is called pg-stage.\n"),
        new("2026-12-03", "memory/daily/2026-12-03.md", "# 2026-12-03\n\n## 09:00 UTC\n\nAsked about the blue pipeline deploy schedule.\n"),
    ];

    [Fact]
    public void TheParagraphWithTheMostMatches_ComesFirst_WithFileAndLine()
    {
        var hits = MemorySearch.Search(Documents, "deploy pipeline", 5);

        Assert.Equal("world/project-alpha.md", hits[0].Location);
        Assert.Equal(3, hits[0].Line);
        Assert.Contains("Deploy with the blue pipeline.", hits[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("# Project Alpha\n", hits[0].Text, StringComparison.Ordinal);
        Assert.Contains(hits, h => h.Location == "memory/daily/2026-12-03.md" && h.Text.StartsWith("## 09:00 UTC\n", StringComparison.Ordinal));
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void LongQueryWords_MatchLongerWords_AndTheWholePhraseScoresHigher()
    {
        Assert.Contains(MemorySearch.Search(Documents, "deploy", 5), h => h.Text.Contains("deployment", StringComparison.Ordinal));

        var phrase = MemorySearch.Search(Documents, "blue pipeline", 5);
        Assert.Contains("blue pipeline", phrase[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void NoMatch_OrNoWords_FindsNothing_AndTheLimitHolds()
    {
        Assert.Empty(MemorySearch.Search(Documents, "kubernetes", 5));
        Assert.Empty(MemorySearch.Search(Documents, "?! -", 5));
        Assert.Single(MemorySearch.Search(Documents, "the", 1));
        Assert.Empty(MemorySearch.Search([], "deploy", 5));
    }

    [Fact]
    public void LongParagraphs_AreCut()
    {
        var big = new MemoryDocument("big", "world/big.md", "needle " + new string('x', 2000));
        var hit = Assert.Single(MemorySearch.Search([big], "needle", 5));
        Assert.True(hit.Text.Length <= MemorySearch.MaxSnippetLength + 1);
    }
}
