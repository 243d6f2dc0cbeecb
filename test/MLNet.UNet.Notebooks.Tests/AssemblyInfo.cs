// Notebooks share libtorch's process-wide state; they run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
