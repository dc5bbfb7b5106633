using Xunit.Abstractions;

namespace MongoBackup.Engine.Tests.Architecture;

/// <summary>
/// The engine's folders form layers (issue 18): a model at the bottom, storage, snapshots, formats, source and target,
/// operations on top. A folder that uses another which uses it back, directly or through others, fails the build here,
/// naming the cycle and one reference for each step of it.
/// </summary>
public class FolderCycleTests(ITestOutputHelper output)
{
    private const string Engine = "MongoBackup.Engine";

    [Fact]
    public void The_engine_folders_use_each_other_without_a_cycle()
    {
        var graph = FolderGraph.Of(typeof(MongoBackupException).Assembly.Location, Engine);
        foreach (var folder in graph.Folders) output.WriteLine($"{folder}: {string.Join(", ", graph.Uses(folder))}");

        var cycles = graph.Cycles().Select(graph.Describe).ToList();

        Assert.True(cycles.Count == 0, "The engine's folders depend on each other in a cycle:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void The_model_uses_no_other_folder_and_formats_know_nothing_of_repositories()
    {
        var graph = FolderGraph.Of(typeof(MongoBackupException).Assembly.Location, Engine);

        Assert.Contains("Model", graph.Folders);
        Assert.DoesNotContain("(root)", graph.Folders);
        Assert.Empty(graph.Uses("Model"));
        foreach (var folder in new[] { "Codecs", "Formats", "Security" })
            Assert.DoesNotContain("Repository", graph.Uses(folder));
        // Storage is below the snapshots: blobs, knowing nothing of snapshots, manifests or formats.
        Assert.Equal(["Model"], graph.Uses("Storage"));
    }

    [Fact]
    public void A_cycle_is_found_and_named_with_a_reference_for_each_step()
    {
        // Samples.Left -> Samples.Middle -> Samples.Right -> Samples.Left, through a field, a method body and a local's type.
        var graph = FolderGraph.Of(typeof(FolderCycleTests).Assembly.Location, typeof(Samples.Left.LeftType).Namespace![..^".Left".Length]);

        var cycle = Assert.Single(graph.Cycles());

        Assert.Equal(["Left", "Middle", "Right", "Left"], cycle);
        Assert.Equal("Left -> Middle -> Right -> Left (Left.LeftType uses Middle.MiddleType; Middle.MiddleType uses Right.RightType; "
            + "Right.RightType uses Left.LeftType)", graph.Describe(cycle));
        Assert.Equal(["Middle"], graph.Uses("Left"));
        Assert.Empty(graph.Uses("Apart"));
    }
}
