using MongoBackup.Engine.Model;
using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The documents of one insert batch the server refused, from its insert replies: <c>writeErrors</c>, one per refused
/// document, each with its index, code and errmsg (https://www.mongodb.com/docs/manual/reference/command/insert/#output).
/// An unordered insert goes on past them, as mongorestore's does, so they are counted and a few are named in warnings.
/// </summary>
/// <param name="resume">
/// Finishing an interrupted restore: a document refused because its _id is already there (duplicate key, code 11000;
/// only the _id index exists while data is restored) may have been restored by the interrupted run, so it is not a
/// refusal: it is listed in <see cref="Kept"/>, for <see cref="ResumedTargetCheck"/> to compare with the target's.
/// </param>
internal sealed class BatchRefusals(bool resume)
{
    private const int DuplicateKey = 11000;
    private const int DocumentValidationFailure = 121;

    /// <summary>Refusals named one by one in warnings; the rest are counted in one more.</summary>
    private const int Named = 3;

    private readonly List<(int Code, string Category, string Message)> _named = [];

    /// <summary>Documents refused so far.</summary>
    public int Refused { get; private set; }

    /// <summary>Under -Resume, the batch indexes of the documents refused as already there (duplicate key), in no order.</summary>
    public List<int> Kept { get; } = [];

    /// <summary>Counts the refusals of one insert command's reply; <paramref name="first"/> is the batch index of its first document.</summary>
    /// <exception cref="MongoBackupException">NamespaceRestoreFailed: the reply holds a writeConcernError (the documents
    /// are in, but not as durably as the write concern asked).</exception>
    public void Add(BsonDocument reply, PlannedNamespace ns, int first)
    {
        if (reply.TryGetValue("writeConcernError", out var concern) && concern is BsonDocument error)
            throw new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{ns.TargetNamespace}: the server did not confirm the write concern of an insert: {error.GetValue("errmsg", "")} (code {error.GetValue("code", 0)}).",
                target: ns.TargetNamespace);
        if (!reply.TryGetValue("writeErrors", out var errors) || errors is not BsonArray list) return;
        foreach (var item in list.OfType<BsonDocument>())
        {
            var code = item.GetValue("code", 0).ToInt32();
            Add(code, Category(code), item.GetValue("errmsg", "").ToString()!, first + item.GetValue("index", 0).ToInt32());
        }
    }

    /// <summary>Counts one refusal of the batch's document <paramref name="index"/> with its server error code, category and message.</summary>
    public void Add(int code, string category, string message, int index)
    {
        if (resume && code == DuplicateKey)
        {
            Kept.Add(index);
            return;
        }
        Refused++;
        if (_named.Count < Named) _named.Add((code, category, message));
    }

    /// <summary>The first refusal as "Category: message"; null when nothing was refused.</summary>
    public string? First => _named.Count == 0 ? null : $"{_named[0].Category}: {_named[0].Message}";

    /// <summary>
    /// The warnings that say what was refused: the first few by their messages, then how many more. A time-series
    /// collection's documents are its buckets, and one refused as invalid (DocumentValidationFailure: only the server's
    /// own check of a bucket's structure applies to them, <see cref="RawInsertCommand.BypassesValidation"/>) is said to be so.
    /// </summary>
    public IEnumerable<string> Warnings(PlannedNamespace ns)
    {
        var (one, many) = ns.IsTimeseries ? ("a bucket", "buckets") : ("a document", "documents");
        foreach (var (code, category, message) in _named)
            yield return $"{ns.TargetNamespace}: {one} was refused ({category}): {message}" +
                (ns.IsTimeseries && code == DocumentValidationFailure ? " (not a time-series bucket as MongoDB writes one: damaged, or not written by mongod)." : "");
        if (Refused > Named) yield return $"{ns.TargetNamespace}: {Refused - Named} more {many} of that batch were refused.";
    }

    /// <summary>The driver's ServerErrorCategory for a write error code (its ServerErrorCategory mapping), for the same warnings.</summary>
    private static string Category(int code) => code switch
    {
        11000 or 11001 or 12582 => "DuplicateKey",
        50 => "ExecutionTimeout",
        _ => "Uncategorized",
    };
}
