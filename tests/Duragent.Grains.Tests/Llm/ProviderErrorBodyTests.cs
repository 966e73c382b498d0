using Duragent.Llm;

namespace Duragent.Grains.Tests.Llm;

public sealed class ProviderErrorBodyTests
{
    [Theory]
    [InlineData("""{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", "Rate limit reached", "rate_limit_exceeded")]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", "Overloaded", "overloaded_error")]
    [InlineData("""{"error":"model not found"}""", "model not found", null)]
    [InlineData("""{"message":"bad gateway"}""", "bad gateway", null)]
    [InlineData("<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>", null)]
    [InlineData("", null, null)]
    public void Parse_FindsMessageAndType(string body, string? message, string? type)
    {
        Assert.Equal((message, type), ProviderErrorBody.Parse(body));
    }

    [Fact]
    public void Parse_ShortensHugeBodies()
    {
        var (message, _) = ProviderErrorBody.Parse(new string('x', 10_000));

        Assert.Equal(501, message!.Length);
    }
}
