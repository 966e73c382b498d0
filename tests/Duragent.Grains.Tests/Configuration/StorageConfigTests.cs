using Duragent.Configuration;

namespace Duragent.Grains.Tests.Configuration;

/// <summary>The <c>storage:</c> and <c>cluster:</c> sections: defaults unchanged, postgres with located errors.</summary>
public sealed class StorageConfigTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    private string ConfigFile => _dir.Combine("duragent.yaml");

    public void Dispose() => _dir.Dispose();

    private DuragentConfigLoadResult Parse(string yaml, Dictionary<string, string>? env = null) =>
        DuragentConfigLoader.Parse(yaml, ConfigFile, name => env?.GetValueOrDefault(name));

    [Fact]
    public void NoStorageSection_IsFileStorage_WithTheDefaultCluster()
    {
        var config = Parse("server:\n  port: 8080\n").Config;

        Assert.Equal(StorageProvider.File, config.Storage.Provider);
        Assert.Null(config.Storage.ConnectionString);
        Assert.Equal(new ClusterConfig(), config.Cluster);
    }

    [Fact]
    public void Postgres_WithConnectionStringFromTheEnvironment_AndACluster()
    {
        var env = new Dictionary<string, string> { ["DURAGENT_PG"] = "Host=db;Database=d;Username=u;Password=secret-pw" };
        var config = Parse("""
            storage:
              provider: postgres
              connection_string: ${DURAGENT_PG:-Host=127.0.0.1}
            cluster:
              cluster_id: prod
              service_id: svc
              silo_port: 11112
              gateway_port: 30002
              advertised_address: 10.0.0.5
            """, env).Config;

        Assert.Equal(StorageProvider.Postgres, config.Storage.Provider);
        Assert.Equal("Host=db;Database=d;Username=u;Password=secret-pw", config.Storage.ConnectionString);
        Assert.Equal(new ClusterConfig { ClusterId = "prod", ServiceId = "svc", SiloPort = 11112, GatewayPort = 30002, AdvertisedAddress = "10.0.0.5" }, config.Cluster);
        Assert.DoesNotContain("secret-pw", config.ToString(), StringComparison.Ordinal);
        Assert.Contains("Password=***", config.Storage.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_WithoutAConnectionString_IsALocatedError()
    {
        var error = Assert.Throws<ConfigurationException>(() => Parse("storage:\n  provider: postgres\n"));

        Assert.Contains("duragent.yaml:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection_string", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("storage:\n  provider: mysql\n", "duragent.yaml:2:13")]
    [InlineData("storage:\n  provider: postgres\n  connection_string: just-a-host\n", "duragent.yaml:3:22")]
    [InlineData("cluster:\n  cluster_id: ../x\n", "duragent.yaml:2:15")]
    [InlineData("cluster:\n  silo_port: 70000\n", "duragent.yaml:2:14")]
    [InlineData("cluster:\n  silo_port: 3000\n  gateway_port: 3000\n", "duragent.yaml:3:17")]
    [InlineData("cluster:\n  advertised_address: 0.0.0.0\n", "duragent.yaml:2:23")]
    [InlineData("cluster:\n  advertised_address: db.example\n", "duragent.yaml:2:23")]
    public void BadValues_AreLocatedErrors(string yaml, string location)
    {
        var error = Assert.Throws<ConfigurationException>(() => Parse(yaml));

        Assert.Contains(location, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKeys_AndAConnectionStringWithFileStorage_AreWarnings()
    {
        var result = Parse("storage:\n  provider: file\n  connection_string: Host=x\n  pool: 5\ncluster:\n  nodes: 3\n");

        Assert.Equal(StorageProvider.File, result.Config.Storage.Provider);
        Assert.Equal(3, result.Warnings.Count);
    }

    [Fact]
    public void Redact_HidesEveryPasswordSpelling()
    {
        Assert.Equal("Host=h;Password=***;Username=u", StorageConfig.Redact("Host=h;Password=p;Username=u"));
        Assert.Equal("Host=h; pwd =***", StorageConfig.Redact("Host=h; pwd =p"));
    }
}
