// The smallest ASP.NET Core app: Kestrel on 127.0.0.1 and the port given as the first argument, one plain-text
// endpoint. It listens the way duragent does (KestrelServerOptions.Listen, no URL configuration to bind), so the
// footprint benchmark compares like with like when it times start → first 200 and reads the RSS.
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "ok");
app.Run();
