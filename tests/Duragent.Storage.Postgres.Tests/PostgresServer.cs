using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Duragent.Storage.Postgres.Tests;

/// <summary>
/// A real PostgreSQL server for the test run: <c>initdb</c> into a temporary directory and <c>postgres</c> on a free
/// loopback port with its socket in that directory, run as the <c>postgres</c> user when the tests run as root
/// (PostgreSQL refuses root), stopped and deleted at the end. Each test class gets a database of its own
/// (<see cref="CreateDatabaseAsync"/>). Binaries: <c>DURAGENT_PG_BIN</c>, else the newest
/// <c>/usr/lib/postgresql/*/bin</c>, else <c>PATH</c>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string SuperUser = "duragent_test";
    private static readonly Lazy<string?> s_binDirectory = new(FindBinDirectory);

    private string? _dataRoot;
    private Process? _server;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> _migrated = new();
    private int _databases;

    /// <summary>Why the tests cannot have a server, or null when they can (outside CI a missing server skips them).</summary>
    public static string? SkipReason =>
        s_binDirectory.Value is not null || IsCi
            ? null
            : "PostgreSQL is not installed (apt-get install postgresql, or set DURAGENT_PG_BIN to its bin directory); the PostgreSQL storage tests need it";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public int Port { get; private set; }

    /// <summary>The connection string of the server's <c>postgres</c> database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public async Task InitializeAsync()
    {
        var bin = s_binDirectory.Value
            ?? throw new InvalidOperationException("PostgreSQL is not installed, and CI=true requires it: .ci/run installs the Debian package postgresql.");
        _dataRoot = Path.Combine(Path.GetTempPath(), "duragent-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dataRoot);
        var data = Path.Combine(_dataRoot, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", $"postgres: {_dataRoot}");
        }

        await RunAsync(bin, "initdb", asRoot, "-D", data, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8");
        Port = FreePort();

        // fsync stays on: the tests count on commits being durable as in production. Small buffers: many test servers
        // may run on a small machine.
        _server = Start(bin, "postgres", asRoot, "-D", data, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-k", _dataRoot, "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=32MB", "-c", "max_connections=200");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                break;
            }
            catch (NpgsqlException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is { HasExited: false })
        {
            // SIGINT to the postmaster itself (runuser may stand between): PostgreSQL's fast shutdown.
            var pidFile = Path.Combine(_dataRoot!, "data", "postmaster.pid");
            var pid = System.IO.File.Exists(pidFile) ? System.IO.File.ReadLines(pidFile).First().Trim() : _server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Run("kill", $"-INT {pid}");
            if (!_server.WaitForExit(15_000))
            {
                _server.Kill(entireProcessTree: true);
            }
        }

        _server?.Dispose();
        await Task.Yield();
        if (_dataRoot is not null)
        {
            try
            {
                Directory.Delete(_dataRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// The connection string of a database with the current schema, made once per <paramref name="name"/> and shared
    /// (tests keep apart by fresh grain ids or service ids).
    /// </summary>
    public Task<string> MigratedDatabaseAsync(string name) =>
        _migrated.GetOrAdd(name, _ => new Lazy<Task<string>>(async () =>
        {
            var connectionString = await CreateDatabaseAsync(name);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await PostgresSchema.MigrateAsync(dataSource);
            return connectionString;
        })).Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..12]}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = SuperUser, Database = database, Pooling = true, MaxPoolSize = 20 }.ConnectionString;

    private static string? FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("DURAGENT_PG_BIN") is { Length: > 0 } configured)
        {
            return System.IO.File.Exists(Path.Combine(configured, "initdb")) ? configured : null;
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var newest = Directory.EnumerateDirectories("/usr/lib/postgresql")
                .Where(d => System.IO.File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return Path.Combine(newest, "bin");
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .FirstOrDefault(d => d.Length > 0 && System.IO.File.Exists(Path.Combine(d, "initdb")) && System.IO.File.Exists(Path.Combine(d, "postgres")));
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static ProcessStartInfo StartInfo(string bin, string tool, bool asRoot, string[] args)
    {
        var info = new ProcessStartInfo
        {
            FileName = asRoot ? "runuser" : Path.Combine(bin, tool),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asRoot)
        {
            foreach (var a in new[] { "-u", "postgres", "--", Path.Combine(bin, tool) })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private static async Task RunAsync(string bin, string tool, bool asRoot, params string[] args)
    {
        using var process = Process.Start(StartInfo(bin, tool, asRoot, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await error}{await output}");
        }
    }

    private static Process Start(string bin, string tool, bool asRoot, params string[] args)
    {
        var process = Process.Start(StartInfo(bin, tool, asRoot, args))!;

        // Drained so that a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false })!;
        process.WaitForExit();
    }
}

/// <summary>One server for the whole test assembly.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
