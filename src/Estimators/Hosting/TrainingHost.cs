using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNet.UNet.Hosting;

/// <summary>
/// What an outside component can use of an <see cref="MLContext"/>: a host registered under the component's
/// name (its random generator follows the context's seed), a log channel that reaches <see cref="MLContext.Log"/>,
/// and whether <c>MLContext.CancelExecution()</c> was called.
/// </summary>
internal sealed class TrainingHost
{
    readonly IHost host;
    readonly Func<bool> isCanceled;

    public TrainingHost(MLContext context, string name)
    {
        host = ((IHostEnvironment)context).Register(name);
        isCanceled = CancellationProbe(host);
    }

    /// <summary>A seed drawn from the host's generator: fixed when the MLContext was made with a seed.</summary>
    public int NextSeed() => host.Rand.Next();

    /// <summary>Starts a log channel; dispose it when done.</summary>
    public IChannel StartChannel(string name) => host.Start(name);

    /// <summary>True once <c>MLContext.CancelExecution()</c> has been called.</summary>
    public bool IsCanceled => isCanceled();

    // ML.NET's ICancelable is internal; its IsCanceled property is read through reflection and, if a future
    // ML.NET renames it, cancellation falls back to the options' CancellationToken alone.
    static Func<bool> CancellationProbe(IHost host)
    {
        var property = host.GetType().GetInterfaces()
            .FirstOrDefault(i => i.FullName == "Microsoft.ML.Runtime.ICancelable")
            ?.GetProperty("IsCanceled", BindingFlags.Public | BindingFlags.Instance);
        if (property is null)
            return () => false;
        return () => property.GetValue(host) is true;
    }
}
