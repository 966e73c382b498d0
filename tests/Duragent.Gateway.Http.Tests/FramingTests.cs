using System.Buffers;
using System.Text;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Sse;

namespace Duragent.Gateway.Http.Tests;

public sealed class FramingTests
{
    [Theory]
    [InlineData("""{"seq":3,"ts":"t","type":"x","batch":[3,4],"a":1}""", """{"seq":3,"ts":"t","type":"x","a":1}""")]
    [InlineData("""{"seq":4,"ts":"t","type":"x","batch":[3,4]}""", """{"seq":4,"ts":"t","type":"x"}""")]
    [InlineData("""{"batch":[3,4],"seq":4}""", """{"seq":4}""")]
    [InlineData("""{"seq":5,"type":"x","nested":{"batch":[1,2]}}""", """{"seq":5,"type":"x","nested":{"batch":[1,2]}}""")]
    [InlineData("""{"seq":6,"type":"x","content":"say \"batch\": now"}""", """{"seq":6,"type":"x","content":"say \"batch\": now"}""")]
    public void WithoutFraming_RemovesOnlyTheTopLevelBatchMember(string stored, string expected)
    {
        var result = EventJson.WithoutFraming(Encoding.UTF8.GetBytes(stored));

        Assert.Equal(expected, Encoding.UTF8.GetString(result.Span));
    }

    [Fact]
    public void WithoutFraming_ReturnsALineWithoutBatchUncopied()
    {
        ReadOnlyMemory<byte> line = Encoding.UTF8.GetBytes("""{"seq":1,"type":"x"}""");

        var result = EventJson.WithoutFraming(line);

        Assert.True(result.Equals(line));
    }

    [Fact]
    public void WriteEvent_WritesIdEventAndDataLines()
    {
        var buffer = new ArrayBufferWriter<byte>();

        SseFrames.WriteEvent(buffer, 42, "assistant_delta", """{"seq":42,"text":"hi"}"""u8);

        Assert.Equal("id: 42\nevent: assistant_delta\ndata: {\"seq\":42,\"text\":\"hi\"}\n\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WriteEvent_SplitsALineBreakIntoDataLines_AndNamesOddTypesUnknown()
    {
        var buffer = new ArrayBufferWriter<byte>();

        SseFrames.WriteEvent(buffer, 7, "bad\ntype", "{\"a\":1,\r\n\"b\":2}"u8);

        Assert.Equal("id: 7\nevent: unknown\ndata: {\"a\":1,\ndata: \"b\":2}\n\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WriteEvent_SendsANewerVersionsPlainTypeNameAsIs()
    {
        var buffer = new ArrayBufferWriter<byte>();

        SseFrames.WriteEvent(buffer, 1, "schedule_fired", "{}"u8);

        Assert.StartsWith("id: 1\nevent: schedule_fired\n", Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
    }
}
