using Duragent.Configuration;

namespace Duragent.Cli.Serve;

/// <summary>What <c>duragent serve</c> runs with: the configuration after <c>--host/--port/--agents-dir</c>, and the flags.</summary>
/// <param name="Config">The effective configuration.</param>
/// <param name="Ephemeral">Stop after this long without a live session (<c>--ephemeral</c>); null runs until stopped.</param>
/// <param name="Detached">Started in the background by a client (<c>--detach</c>): plain log output, no colors.</param>
/// <param name="Verbosity">-1 errors only, 0 information, 1 debug, 2 trace.</param>
internal sealed record ServeSettings(DuragentConfig Config, TimeSpan? Ephemeral, bool Detached, int Verbosity);
