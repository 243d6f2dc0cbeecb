using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;

namespace MLNet.UNet.Serving.Models;

/// <summary>
/// A fixed number of ML.NET prediction engines over one model. A PredictionEngine is not thread-safe (it reuses its
/// buffers); each request takes one of its own from the pool and gives it back. The semaphore bounds the engines in
/// use to the pool's size, so the pool never makes more than it keeps, and further requests wait their turn.
/// </summary>
sealed class EnginePool<TInput, TOutput> : IDisposable where TInput : class where TOutput : class, new()
{
    readonly ObjectPool<PredictionEngine<TInput, TOutput>> pool;
    readonly SemaphoreSlim slots;

    public EnginePool(MLContext context, ITransformer model, int size)
    {
        pool = new DefaultObjectPoolProvider { MaximumRetained = size }.Create(new EnginePolicy(context, model));
        slots = new SemaphoreSlim(size, size);
        Size = size;
        // Made up front, so that the first requests do not wait for them and a model that cannot make one fails at start.
        var engines = Enumerable.Range(0, size).Select(_ => pool.Get()).ToList();
        foreach (var engine in engines)
            pool.Return(engine);
    }

    /// <summary>How many engines run at once.</summary>
    public int Size { get; }

    /// <summary>Scores one row on an engine of its own, waiting for one when all are busy.</summary>
    public async Task<TOutput> PredictAsync(TInput input, CancellationToken cancellation)
    {
        await slots.WaitAsync(cancellation);
        var engine = pool.Get();
        try
        {
            return engine.Predict(input);
        }
        finally
        {
            pool.Return(engine);
            slots.Release();
        }
    }

    /// <summary>Disposes the engines (the pool made for disposable objects disposes those it keeps).</summary>
    public void Dispose()
    {
        (pool as IDisposable)?.Dispose();
        slots.Dispose();
    }

    sealed class EnginePolicy(MLContext context, ITransformer model) : PooledObjectPolicy<PredictionEngine<TInput, TOutput>>
    {
        public override PredictionEngine<TInput, TOutput> Create() => context.Model.CreatePredictionEngine<TInput, TOutput>(model);

        // An engine holds no state from one prediction to the next that the next could see.
        public override bool Return(PredictionEngine<TInput, TOutput> engine) => true;
    }
}
