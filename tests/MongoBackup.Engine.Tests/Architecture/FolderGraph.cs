namespace MongoBackup.Engine.Tests.Architecture;

/// <summary>
/// The top-level folders under a root namespace (<c>MongoBackup.Engine.Oplog.Replay</c> belongs to <c>Oplog</c>) and
/// which folder uses which, from <see cref="TypeReferences"/>: a folder uses another when one of its types refers to
/// one of the other's. Types directly in the root namespace form the folder <c>(root)</c>.
/// </summary>
internal sealed class FolderGraph
{
    private readonly Dictionary<string, SortedDictionary<string, string>> edges = new(StringComparer.Ordinal);

    private FolderGraph(string root, IEnumerable<TypeReferences.TypeUses> types)
    {
        foreach (var type in types)
        {
            var from = FolderOf(root, type.Namespace);
            if (from is null) continue;
            if (!edges.ContainsKey(from)) edges[from] = new(StringComparer.Ordinal);
            foreach (var used in type.Uses.OrderBy(u => u.Namespace + "." + u.Name, StringComparer.Ordinal))
            {
                var to = FolderOf(root, used.Namespace);
                if (to is null || to == from) continue;
                edges[from].TryAdd(to, $"{Relative(root, type.Namespace, type.Name)} uses {Relative(root, used.Namespace, used.Name)}");
            }
        }
    }

    /// <summary>The folders of the assembly at <paramref name="assemblyPath"/> under the namespace <paramref name="root"/>.</summary>
    public static FolderGraph Of(string assemblyPath, string root) => new(root, TypeReferences.Read(assemblyPath));

    /// <summary>Every folder with at least one type, in ordinal order.</summary>
    public IReadOnlyList<string> Folders => edges.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The folders <paramref name="folder"/> uses, in ordinal order.</summary>
    public IReadOnlyList<string> Uses(string folder) => edges.TryGetValue(folder, out var to) ? to.Keys.ToList() : [];

    /// <summary>One reference that makes <paramref name="from"/> use <paramref name="to"/>, e.g. "Dump.BackupRunner uses Oplog.OplogPosition".</summary>
    public string Why(string from, string to) => edges[from][to];

    /// <summary>
    /// The cycles among the folders, each as its folders in order with the first repeated at the end: for every group
    /// of folders each reachable from the others, the shortest cycle through each of its folders (the same cycle found
    /// from two of its folders is given once, starting at its first folder in ordinal order).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles() =>
        StronglyConnectedGroups().Where(g => g.Count > 1)
            .SelectMany(g => g.Order(StringComparer.Ordinal).Select(f => Rotated(ShortestCycle(f, g.ToHashSet()))))
            .DistinctBy(c => string.Join(">", c)).ToList();

    /// <summary>A cycle written for a reader: "Oplog -> Restore -> Oplog (Oplog.X uses Restore.Y; Restore.Z uses Oplog.W)".</summary>
    public string Describe(IReadOnlyList<string> cycle) =>
        string.Join(" -> ", cycle) + " (" + string.Join("; ", cycle.Zip(cycle.Skip(1), Why)) + ")";

    private static string? FolderOf(string root, string ns) =>
        ns == root ? "(root)" : ns.StartsWith(root + ".", StringComparison.Ordinal) ? ns[(root.Length + 1)..].Split('.')[0] : null;

    private static string Relative(string root, string ns, string name) => ns == root ? name : $"{ns[(root.Length + 1)..]}.{name}";

    private static IReadOnlyList<string> Rotated(IReadOnlyList<string> cycle)
    {
        var open = cycle.Take(cycle.Count - 1).ToList();
        var first = open.IndexOf(open.Min(StringComparer.Ordinal)!);
        var rotated = open.Skip(first).Concat(open.Take(first)).ToList();
        rotated.Add(rotated[0]);
        return rotated;
    }

    private IReadOnlyList<string> ShortestCycle(string start, HashSet<string> group)
    {
        // Breadth-first from start's successors back to start, inside the group.
        var previous = new Dictionary<string, string>();
        var queue = new Queue<string>();
        foreach (var next in Uses(start).Where(group.Contains)) { previous[next] = start; queue.Enqueue(next); }
        while (queue.Count > 0)
        {
            var at = queue.Dequeue();
            if (at == start) break;
            foreach (var next in Uses(at).Where(group.Contains))
                if (previous.TryAdd(next, at)) queue.Enqueue(next);
        }
        var path = new List<string> { start };
        for (var at = previous[start]; at != start; at = previous[at]) path.Add(at);
        path.Add(start);
        path.Reverse();
        return path;
    }

    private List<List<string>> StronglyConnectedGroups()
    {
        // Tarjan's algorithm; the graph has a dozen nodes, so recursion depth is no concern.
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var groups = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            foreach (var w in Uses(v))
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (stack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var group = new List<string>();
            string popped;
            do { popped = stack.Pop(); group.Add(popped); } while (popped != v);
            groups.Add(group);
        }
        foreach (var folder in Folders) if (!index.ContainsKey(folder)) Visit(folder);
        return groups;
    }
}
