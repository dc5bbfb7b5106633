using MongoBackup.Engine.Events;

namespace MongoBackup.Engine.Tests.Events;

/// <summary>What a progress bar shows from an engine update: its percentage, rates and time left.</summary>
public sealed class ProgressUpdateTests
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    [Fact]
    public void Overall_progress_is_a_percentage_of_namespaces_done()
    {
        var update = new ProgressUpdate("Backing up", null, 5_000, 1_000_000, null, TenSeconds) { NamespacesDone = 2, NamespacesTotal = 3 };

        Assert.Equal(66, update.PercentComplete);
        Assert.Null(update.TimeLeft);
    }

    [Fact]
    public void A_namespaces_progress_is_a_percentage_of_its_documents_with_the_time_left_at_the_rate_so_far()
    {
        var update = new ProgressUpdate("Backing up", "sales.orders", 250, 2_500_000, 1_000, TenSeconds);

        Assert.Equal(25, update.PercentComplete);
        Assert.Equal(25, update.DocumentsPerSecond);
        Assert.Equal(250_000, update.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), update.TimeLeft);
    }

    [Fact]
    public void More_documents_than_the_estimate_stop_at_one_hundred_percent_and_no_time_left()
    {
        var update = new ProgressUpdate("Backing up", "sales.orders", 1_200, 0, 1_000, TenSeconds);

        Assert.Equal(100, update.PercentComplete);
        Assert.Equal(TimeSpan.Zero, update.TimeLeft);
    }

    [Fact]
    public void Without_a_total_or_any_time_there_is_no_percentage_rate_or_time_left()
    {
        var unknown = new ProgressUpdate("Restoring", "sales.orders", 10, 100, null, TenSeconds);
        var atStart = new ProgressUpdate("Restoring", "sales.orders", 0, 0, 1_000, TimeSpan.Zero);

        Assert.Null(unknown.PercentComplete);
        Assert.Null(unknown.TimeLeft);
        Assert.Equal(0, atStart.DocumentsPerSecond);
        Assert.Equal(0, atStart.BytesPerSecond);
        Assert.Null(atStart.TimeLeft);
    }

    [Fact]
    public void Overall_progress_sums_the_namespaces_finished_by_parallel_workers()
    {
        var observer = new Integration.RecordingObserver();
        var overall = new OverallProgress("Restoring", 4, observer, System.Diagnostics.Stopwatch.StartNew());

        Parallel.For(0, 4, i => overall.NamespaceDone(documents: 100 * (i + 1), bytes: 1_000 * (i + 1)));

        var last = observer.Progresses.MaxBy(p => p.NamespacesDone)!;
        Assert.Equal((4L, 4L, 1_000L, 10_000L, 100), (last.NamespacesDone, last.NamespacesTotal, last.Documents, last.Bytes, last.PercentComplete!.Value));
        Assert.All(observer.Progresses, p => Assert.Null(p.Namespace));
    }
}
