using Duragent.Bench;

return args switch
{
    ["runtime"] => await RuntimeBench.RunAsync(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Duragent.Bench runtime");
    return 2;
}
