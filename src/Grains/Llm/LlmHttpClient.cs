using System.Net;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Duragent.Llm;

/// <summary>
/// The one <see cref="HttpClient"/> every LLM client shares: a single pooled <see cref="SocketsHttpHandler"/> with the
/// connect timeout. The client's own timeout is infinite: each call enforces its total and idle timeouts itself.
/// </summary>
internal sealed class LlmHttpClient : IDisposable
{
    private readonly SocketsHttpHandler _handler;

    public LlmHttpClient(IOptions<LlmOptions> options)
    {
        var value = options.Value;
        _handler = new SocketsHttpHandler
        {
            ConnectTimeout = value.ConnectTimeout,
            // Recycle connections so DNS changes of the provider are seen; keep idle ones long enough for an agent loop.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
            UseCookies = false,
        };
        Client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var version = typeof(LlmHttpClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        Client.DefaultRequestHeaders.UserAgent.ParseAdd($"duragent/{(plus < 0 ? version : version[..plus])}");
    }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _handler.Dispose();
    }
}
