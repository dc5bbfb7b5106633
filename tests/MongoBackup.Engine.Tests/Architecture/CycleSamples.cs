// Types that only FolderCycleTests reads: three folders in a cycle, each step through another kind of reference,
// and one folder apart that uses nothing.
namespace MongoBackup.Engine.Tests.Architecture.Samples.Left
{
    internal sealed class LeftType { public Middle.MiddleType? Next; }
}

namespace MongoBackup.Engine.Tests.Architecture.Samples.Middle
{
    internal sealed class MiddleType { public static object Make() => new Right.RightType(); }
}

namespace MongoBackup.Engine.Tests.Architecture.Samples.Right
{
    internal sealed class RightType
    {
        public static int Count(IEnumerable<object> items)
        {
            var n = 0;
            foreach (var item in items) { Left.LeftType? seen = item as Left.LeftType; if (seen is not null) n++; }
            return n;
        }
    }
}

namespace MongoBackup.Engine.Tests.Architecture.Samples.Apart
{
    internal static class ApartType { public static int Answer() => 42; }
}
