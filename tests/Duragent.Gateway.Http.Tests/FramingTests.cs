using System.Buffers;
using System.Text;
using Duragent.Gateway.Http.Sse;

namespace Duragent.Gateway.Http.Tests;

public sealed class FramingTests
{
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
