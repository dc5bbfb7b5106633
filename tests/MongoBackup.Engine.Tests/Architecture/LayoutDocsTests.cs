using MongoBackup.Tests;

namespace MongoBackup.Engine.Tests.Architecture;

/// <summary>
/// The pages that describe the tree say what it is: ARCHITECTURE.md's table of engine folders gives each folder and
/// the folders it uses as the compiled engine has them, and the README's layout names every folder of the repository.
/// </summary>
public class LayoutDocsTests
{
    [Fact]
    public void ARCHITECTURE_lists_every_engine_folder_with_the_folders_it_uses()
    {
        var graph = FolderGraph.Of(typeof(MongoBackupException).Assembly.Location, "MongoBackup.Engine");
        var rows = TableRows("ARCHITECTURE.md", "## Engine folders").ToDictionary(r => r[0].Trim('`'), r => r[2]);
        var computed = graph.Folders.ToDictionary(f => f, f => graph.Uses(f).Count == 0 ? "-" : string.Join(", ", graph.Uses(f)));

        Assert.Equal(computed.Keys.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        var wrong = computed.Where(c => rows[c.Key] != c.Value).Select(c => $"`{c.Key}` uses {c.Value} (the table says {rows[c.Key]})").ToList();
        Assert.True(wrong.Count == 0, "ARCHITECTURE.md's engine folders table is out of date:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_README_layout_names_every_folder_of_the_tree_and_nothing_that_is_not_there()
    {
        var root = FixturePaths.RepositoryRoot;
        var named = TableRows("README.md", "## Layout").Select(r => r[0].Trim('`').TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var ignored = File.ReadAllLines(Path.Combine(root, ".gitignore"))
            .Where(l => l.EndsWith('/') && !l.Contains('*')).Select(l => l.Trim('/')).ToHashSet(StringComparer.Ordinal);
        var folders = Folders(root, "").Where(f => f is not ("src" or "tests"))
            .Concat(Folders(root, "src")).Concat(Folders(root, "tests"));

        Assert.Empty(folders.Where(f => !named.Contains(f)));
        Assert.Empty(named.Where(n => !File.Exists(Path.Combine(root, n)) && !Directory.Exists(Path.Combine(root, n))));

        IEnumerable<string> Folders(string under, string relative) =>
            Directory.GetDirectories(Path.Combine(under, relative)).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith('.') && !ignored.Contains(name))
                .Select(name => relative.Length == 0 ? name : relative + "/" + name);
    }

    /// <summary>The cells of the Markdown table under <paramref name="heading"/> (its header and separator rows left out).</summary>
    private static IEnumerable<string[]> TableRows(string file, string heading) =>
        File.ReadAllLines(Path.Combine(FixturePaths.RepositoryRoot, file))
            .SkipWhile(l => !l.StartsWith(heading, StringComparison.Ordinal)).Skip(1)
            .SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2)
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray());
}
