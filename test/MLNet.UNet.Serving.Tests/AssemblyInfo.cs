// libtorch's generator and thread count are process-wide, and the tests share one trained service; they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
