using System.IO.Pipelines;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Orleans.Runtime;

namespace Duragent.Gateway.Http.Sse;

/// <summary>
/// Copies a session's event stream to an SSE response: one frame per event, flushed at once, and a keep-alive comment
/// every interval. The two writers share the pipe under a semaphore (uncontended waits do not allocate). Ends when
/// the stream ends (session deleted or deactivated, silo stopping), the client goes away, or <c>stopping</c> fires. The stream
/// starts with <c>retry:</c>; <c>onFirstEvent</c> runs once the first event frame was flushed, before the next one
/// is written (an attach counts from there: a client that never got an event, such as a browser that refused the
/// response, never attached).
/// </summary>
internal static class SessionEventPump
{
    public const string ContentType = "text/event-stream";

    /// <summary>Why the pump stopped, and how many events it sent.</summary>
    public readonly record struct Outcome(long Events, string Reason);

    public static async Task<Outcome> RunAsync(HttpContext context, Func<CancellationToken, IAsyncEnumerable<SessionEventEnvelope>> stream, TimeSpan keepAlive, TimeProvider time, CancellationToken stopping, Func<Task>? onFirstEvent = null)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var writer = response.BodyWriter;
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var token = ending.Token;
        using var gate = new SemaphoreSlim(1, 1);
        var keepAliveTask = Task.CompletedTask;
        long sent = 0;
        var reason = "the session's stream ended";
        try
        {
            // Headers go out at once: the client knows the stream is open before the first event.
            await response.StartAsync(token);
            SseFrames.WriteRetry(writer, GatewayOptions.SseRetryMilliseconds);
            await writer.FlushAsync(token);
            keepAliveTask = KeepAliveAsync(writer, gate, keepAlive, time, token);
            await foreach (var envelope in stream(token))
            {
                await gate.WaitAsync(token);
                FlushResult flushed;
                try
                {
                    SseFrames.WriteEvent(writer, envelope.Seq, envelope.Type, envelope.Json.Span);
                    flushed = await writer.FlushAsync(token);
                }
                finally
                {
                    gate.Release();
                }

                sent++;
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    reason = "the client went away";
                    break;
                }

                if (sent == 1 && onFirstEvent is not null)
                {
                    await onFirstEvent();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            reason = context.RequestAborted.IsCancellationRequested ? "the client went away" : "the server is stopping";
        }
        catch (EnumerationAbortedException)
        {
            // The session's activation ended under the stream (deactivated, moved); the client resumes from its last event id.
            reason = "the session's activation ended";
        }
        finally
        {
            await ending.CancelAsync();
            await keepAliveTask;
        }

        return new Outcome(sent, reason);
    }

    private static async Task KeepAliveAsync(PipeWriter writer, SemaphoreSlim gate, TimeSpan interval, TimeProvider time, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(token))
            {
                await gate.WaitAsync(token);
                try
                {
                    SseFrames.WriteKeepAlive(writer);
                    var flushed = await writer.FlushAsync(token);
                    if (flushed.IsCompleted)
                    {
                        return;
                    }
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection broke under the keep-alive; the event loop sees the same and ends.
        }
    }
}
