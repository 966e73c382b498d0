// The Orleans baseline of the footprint benchmark: a bare Orleans silo (localhost clustering on 127.0.0.1, one trivial
// grain) and Kestrel on 127.0.0.1 and the port given as the first argument, hosted the way duragent serve hosts its
// silo and gateway (slim builder, content root beside the executable, Orleans ports on loopback, console logs at
// Error as with `serve -q`). /readyz answers 200 once the host started, as duragent's does; GET /grains/{id} calls
// (and so activates) one grain.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Duragent.Bench.BareOrleans;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "bare-orleans", ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port);
});
builder.UseOrleans(silo =>
{
    var (siloPort, gatewayPort) = (FreeLoopbackPort(), FreeLoopbackPort());
    silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "bare", clusterId: "bare");
    silo.Configure<EndpointOptions>(o =>
    {
        o.AdvertisedIPAddress = IPAddress.Loopback;
        o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Loopback, siloPort);
        o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Loopback, gatewayPort);
    });
});
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Error);

var app = builder.Build();
app.MapGet("/readyz", (IHostApplicationLifetime lifetime) =>
    lifetime.ApplicationStarted.IsCancellationRequested ? Results.Text("ok") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
app.MapGet("/grains/{id}", async (string id, IGrainFactory grains) =>
    (await grains.GetGrain<IPingGrain>(id).PingAsync()).ToString(CultureInfo.InvariantCulture));
await app.RunAsync();

static int FreeLoopbackPort()
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}
