using System.Net.Sockets;
using System.Text;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// Requests no HTTP client library would send, written byte by byte on a TCP connection: which errors Kestrel answers
/// before any middleware runs (a status without a body, listed in docs/api.md) and which reach the gateway (problem+json).
/// </summary>
public sealed class RawRequestTests
{
    public static TheoryData<string, string, int, bool> Cases => new()
    {
        // name, request line + headers (after the method), expected status, answered by the gateway (problem+json)
        { "NUL in the path", "GET /api/v1/sessions/a\0b HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, false },
        { "raw non-ASCII (UTF-8) in the path", "GET /api/v1/sessions/\u00e9t\u00e9 HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, false },
        { "raw Latin-1 byte in the path", "GET /api/v1/sessions/\u00ff HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, false },
        { "percent-encoded NUL in the path", "GET /api/v1/sessions/a%00b HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, false },
        { "a percent-encoded control character in the id", "GET /api/v1/sessions/a%01b HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, true },
        { "a 10,000-character id", "GET /api/v1/sessions/" + new string('a', 10_000) + " HTTP/1.1\r\nHost: {host}\r\n\r\n", 414, false },
        { "a 40 KB header", "GET /api/v1/sessions HTTP/1.1\r\nHost: {host}\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n", 431, false },
        { "a Content-Length that is not a number", "POST /api/v1/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n", 400, false },
        { "two different Content-Lengths", "POST /api/v1/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, false },
        { "a broken chunked body", "POST /api/v1/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400, true },
        { "a '.' segment", "GET /api/v1/sessions/. HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, true },
        { "an encoded '..' segment", "GET /api/v1/sessions/%2e%2E/x HTTP/1.1\r\nHost: {host}\r\n\r\n", 400, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_GetsItsStatus_AndProblemJsonWhenTheGatewayAnswers(string name, string request, int status, bool problem)
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();

        // The generated API token rides along: the cases are about framing, not about authentication.
        var response = await SendRawAsync(kit, request.Replace("{host}", kit.BaseAddress.Authority + "\r\nAuthorization: Bearer " + kit.GeneratedToken, StringComparison.Ordinal));

        Assert.True(response.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{name}: expected {status}, got {FirstLine(response)}");
        var isProblem = response.Contains("Content-Type: application/problem+json", StringComparison.OrdinalIgnoreCase);
        Assert.True(problem == isProblem, $"{name}: expected {(problem ? "a problem+json body" : "Kestrel's bodiless answer")}, got {response[..Math.Min(response.Length, 400)]}");
        Assert.Equal(before, kit.StorageFingerprint());
    }

    // Latin-1 keeps every char below 256 as one byte: the requests above are written exactly as their chars say, and a
    // raw UTF-8 path is written as its UTF-8 bytes.
    private static async Task<string> SendRawAsync(GatewayKit kit, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(kit.BaseAddress.Host, kit.BaseAddress.Port);
        var stream = tcp.GetStream();
        var bytes = request.Contains('\u00e9', StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(request) : Encoding.Latin1.GetBytes(request);
        try
        {
            await stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            // Kestrel may answer and close before the whole request is written (a request line over the limit).
        }

        var text = new StringBuilder();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(GatewayKit.Wait);
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var all = text.ToString();
            var split = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split >= 0 && (all.Contains("Content-Length: 0\r\n", StringComparison.OrdinalIgnoreCase) || all.EndsWith('}') || all.EndsWith("0\r\n\r\n", StringComparison.Ordinal)))
            {
                break;
            }
        }

        return text.ToString();
    }

    private static string FirstLine(string response)
    {
        var end = response.IndexOf('\r', StringComparison.Ordinal);
        return end < 0 ? response : response[..end];
    }
}
