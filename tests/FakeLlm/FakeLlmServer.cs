using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Duragent.FakeLlm;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (random port) that speaks the OpenAI Chat Completions and Anthropic Messages
/// wire formats, streaming and not, answering each request with the next scripted <see cref="FakeResponse"/> (or the
/// <see cref="Fallback"/>), and recording every request.
/// <code>
/// await using var llm = await FakeLlmServer.StartAsync();
/// llm.Enqueue(FakeResponse.Text("Hello", " world"));
/// // point a client at llm.OpenAiBaseUrl (…/v1) or llm.AnthropicBaseUrl
/// var request = await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
/// </code>
/// Requests to <c>…/chat/completions</c> get the OpenAI format, requests to <c>…/messages</c> the Anthropic one.
/// </summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private static readonly OpenAiWireFormat OpenAi = new();
    private static readonly AnthropicWireFormat Anthropic = new();

    private readonly WebApplication _app;
    private readonly bool _record;
    private readonly ConcurrentQueue<FakeResponse> _queue = new();
    private readonly List<FakeRequest> _requests = [];
    private readonly List<(int Number, TaskCompletionSource<FakeRequest> Waiter)> _waiters = [];
    private readonly ConcurrentDictionary<HttpContext, byte> _active = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _requestCount;
    private int _unscripted;
    private int _disposed;

    private FakeLlmServer(WebApplication app, bool record)
    {
        _app = app;
        _record = record;
    }

    /// <summary><c>http://127.0.0.1:{port}</c>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The base URL for an OpenAI-compatible client: <c>{BaseUrl}/v1</c>.</summary>
    public string OpenAiBaseUrl => BaseUrl + "/v1";

    /// <summary>The base URL for an Anthropic client: <see cref="BaseUrl"/>.</summary>
    public string AnthropicBaseUrl => BaseUrl;

    /// <summary>Answers requests when the queue is empty (long runs, other processes calling the server).</summary>
    public Func<FakeRequest, FakeResponse>? Fallback { get; set; }

    /// <summary>Requests received so far.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Requests that found neither a scripted response nor a fallback (answered 500).</summary>
    public int UnscriptedCount => Volatile.Read(ref _unscripted);

    /// <summary>Responses being written right now.</summary>
    public int ActiveCount => _active.Count;

    /// <summary>Scripted responses not used yet.</summary>
    public int PendingCount => _queue.Count;

    /// <summary>The recorded requests, oldest first (empty when recording is off).</summary>
    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts a server on 127.0.0.1 with a random port.</summary>
    /// <param name="recordRequests">Keep every request for assertions; turn off for long benchmark runs.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<FakeLlmServer> StartAsync(bool recordRequests = true, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(FakeLlmServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();

        // With a 2-byte transport buffer a flush completes only once the socket loop has sent everything: so
        // "written and flushed" means "on the wire", and aborting a connection right after loses nothing already
        // flushed (Kestrel drops unsent output on abort).
        builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 2);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.MaxConcurrentConnections = null;
        });
        var app = builder.Build();
        var server = new FakeLlmServer(app, recordRequests);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        server.Port = uri.Port;
        server.BaseUrl = $"http://127.0.0.1:{uri.Port}";
        return server;
    }

    /// <summary>Appends scripted responses; each request takes the next one.</summary>
    public void Enqueue(params FakeResponse[] responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        foreach (var response in responses)
        {
            _queue.Enqueue(response);
        }
    }

    /// <summary>
    /// The <paramref name="number"/>th request (1-based), waiting for it up to <paramref name="timeout"/>.
    /// Needs request recording (the default).
    /// </summary>
    public async Task<FakeRequest> WaitForRequestAsync(int number, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        if (!_record)
        {
            throw new InvalidOperationException("FakeLlm: request recording is off; start the server with recordRequests: true");
        }

        TaskCompletionSource<FakeRequest> waiter;
        lock (_requests)
        {
            if (_requests.Count >= number)
            {
                return _requests[number - 1];
            }

            waiter = new TaskCompletionSource<FakeRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((number, waiter));
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"FakeLlm: waited {timeout.TotalSeconds:0.###} s for request #{number}; {RequestCount} arrived");
        }
    }

    /// <summary>Aborts the connection of every response being written (a provider dying mid-stream).</summary>
    public void AbortActive()
    {
        foreach (var context in _active.Keys)
        {
            context.Abort();
        }
    }

    /// <summary>Stops the server, aborting responses still in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        AbortActive();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Kestrel gave up waiting for connections we already aborted.
            }
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        _active.TryAdd(context, 0);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await HandleCoreAsync(context, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            context.Abort();
        }
        catch (IOException)
        {
            // The client went away mid-response; nothing to answer.
            context.Abort();
        }
        finally
        {
            _active.TryRemove(context, out _);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = await ReadRequestAsync(context, cancellationToken);
        var wire = request.Format switch
        {
            FakeWireFormat.OpenAi => (WireFormat)OpenAi,
            FakeWireFormat.Anthropic => Anthropic,
            _ => null,
        };
        if (wire is null || !HttpMethods.IsPost(request.Method))
        {
            await WriteJsonAsync(context, 404, OpenAi.Error(404, "not_found", $"FakeLlm serves POST …/chat/completions and POST …/messages, not {request.Method} {request.Path}").ToJsonString(), cancellationToken);
            return;
        }

        FakeResponse? response;
        if (!_queue.TryDequeue(out response))
        {
            response = Fallback?.Invoke(request);
        }

        if (response is null)
        {
            Interlocked.Increment(ref _unscripted);
            await WriteJsonAsync(context, 500, wire.Error(500, "fake_unscripted", $"FakeLlm: no scripted response for request {request}").ToJsonString(), cancellationToken);
            return;
        }

        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers.Append(name, value);
        }

        if (response.HangBeforeHeaders)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return;
        }

        if (response.RawFrames is { } frames)
        {
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            foreach (var frame in frames)
            {
                await WriteAsync(context, frame, cancellationToken);
            }

            return;
        }

        if (response.RawBody is not null)
        {
            await WriteJsonAsync(context, response.StatusCode, response.RawBody, cancellationToken);
            return;
        }

        if (response.StatusCode != 200)
        {
            var error = wire.Error(response.StatusCode, response.ErrorType, response.ErrorMessage ?? "fake error");
            await WriteJsonAsync(context, response.StatusCode, error.ToJsonString(), cancellationToken);
            return;
        }

        if (!request.IsStreaming)
        {
            await WriteJsonAsync(context, 200, wire.Complete(response, request).ToJsonString(), cancellationToken);
            return;
        }

        var includeUsage = request.Body?["stream_options"]?["include_usage"] is System.Text.Json.Nodes.JsonValue usageFlag
            && usageFlag.TryGetValue<bool>(out var include) && include;
        await StreamAsync(context, wire, response, request, includeUsage, cancellationToken);
    }

    private async Task StreamAsync(
        HttpContext context, WireFormat wire, FakeResponse response, FakeRequest request, bool includeUsage, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);

        var sent = 0;
        var checkedAt = -1;
        foreach (var frame in wire.Stream(response, request, includeUsage))
        {
            if (frame.Kind is WireFrameKind.Content or WireFrameKind.Closing && checkedAt != sent)
            {
                checkedAt = sent;
                if (response.Gate is { } gate && response.GateAfterChunks == sent)
                {
                    await gate.PassAsync(cancellationToken);
                }

                if (response.Fault != FakeStreamFault.None && response.FaultAfterChunks == sent)
                {
                    await FaultAsync(context, wire, response, cancellationToken);
                    return;
                }
            }

            if (frame.Kind == WireFrameKind.Content)
            {
                if (response.ChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(response.ChunkDelay, cancellationToken);
                }

                response.ChunkWriting?.Invoke(sent);
                sent++;
            }

            await WriteAsync(context, frame.Text, cancellationToken);
        }
    }

    private static async Task FaultAsync(HttpContext context, WireFormat wire, FakeResponse response, CancellationToken cancellationToken)
    {
        switch (response.Fault)
        {
            case FakeStreamFault.Disconnect:
                context.Abort();
                return;
            case FakeStreamFault.Hang:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return;
            case FakeStreamFault.Error:
                await WriteAsync(context, wire.StreamError(response.ErrorType ?? "api_error", response.ErrorMessage ?? "fake error"), cancellationToken);
                return;
            default:
                return;
        }
    }

    private async Task<FakeRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = values.ToString();
        }

        var path = context.Request.Path.Value ?? "/";
        var format = path.EndsWith("/chat/completions", StringComparison.Ordinal) ? FakeWireFormat.OpenAi
            : path.EndsWith("/messages", StringComparison.Ordinal) ? FakeWireFormat.Anthropic
            : FakeWireFormat.Unknown;
        var request = new FakeRequest(context.Request.Method, path, headers, body, format);
        if (!_record)
        {
            request.Number = Interlocked.Increment(ref _requestCount);
            return request;
        }

        lock (_requests)
        {
            request.Number = Interlocked.Increment(ref _requestCount);
            _requests.Add(request);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (wanted, waiter) = _waiters[i];
                if (_requests.Count >= wanted)
                {
                    _waiters.RemoveAt(i);
                    waiter.TrySetResult(_requests[wanted - 1]);
                }
            }
        }

        return request;
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, string json, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, cancellationToken);
    }

    private static async Task WriteAsync(HttpContext context, string text, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync(text, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}
