using Duragent.Memory;

namespace Duragent.Grains.Tests.Memory;

public sealed class MemoryTopicsTests
{
    [Theory]
    [InlineData("project-alpha", "project-alpha")]
    [InlineData("Project Alpha", "project-alpha")]
    [InlineData("notes.md", "notes")]
    [InlineData("  a_b-c  ", "a_b-c")]
    [InlineData("Ünïcode Stuff!", "n-code-stuff")]
    [InlineData("version 1.2", "version-1-2")]
    public void SafeNames_AreNormalized(string topic, string expected)
    {
        Assert.True(MemoryTopics.TryNormalize(topic, out var normalized, out var problem), problem);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("../etc/passwd", "path")]
    [InlineData("..", "..")]
    [InlineData("a..b", "..")]
    [InlineData("/etc/passwd", "path")]
    [InlineData("a/b", "path")]
    [InlineData("a\\b", "path")]
    [InlineData("a\0b", "control character")]
    [InlineData("line\nbreak", "control character")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("!!!", "no letters or digits")]
    [InlineData("con", "reserved")]
    [InlineData("NUL.md", "reserved")]
    [InlineData("com1", "reserved")]
    public void UnsafeNames_AreRefusedWithAReason(string topic, string reason)
    {
        Assert.False(MemoryTopics.TryNormalize(topic, out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void OverLongNames_AreRefused_AndTheLimitIsAccepted()
    {
        Assert.True(MemoryTopics.TryNormalize(new string('a', MemoryTopics.MaxLength), out _, out _));
        Assert.False(MemoryTopics.TryNormalize(new string('a', MemoryTopics.MaxLength + 1), out _, out var problem));
        Assert.Contains("the most is 64", problem, StringComparison.Ordinal);
    }
}
