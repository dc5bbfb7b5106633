using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace MongoBackup.Engine.Tests.Architecture;

/// <summary>
/// Which of an assembly's own types each of its types refers to, read from the compiled metadata (ECMA-335): base
/// type, interfaces, generic constraints, fields, method and property signatures, local variables, custom attributes
/// and every type, method or field token in the method bodies' IL. Compiler-generated nested types (lambdas, async
/// state machines) count as part of the type that declares them; a reference to a type outside the assembly is not
/// followed. So a dependency written only as a fully qualified name, a <c>var</c> or a lambda is still seen.
/// </summary>
internal static class TypeReferences
{
    /// <summary>One top-level type (namespace and name) and the top-level types of the same assembly it refers to.</summary>
    public sealed record TypeUses(string Namespace, string Name, IReadOnlySet<(string Namespace, string Name)> Uses);

    /// <summary>Every top-level type of the assembly at <paramref name="path"/> with what it refers to.</summary>
    public static IReadOnlyList<TypeUses> Read(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var uses = new Dictionary<TypeDefinitionHandle, HashSet<TypeDefinitionHandle>>();
        foreach (var handle in md.TypeDefinitions)
        {
            var owner = Outermost(md, handle);
            if (!uses.TryGetValue(owner, out var set)) uses[owner] = set = [];
            new Collector(md, pe, set).Type(handle);
        }
        return uses.Select(u => new TypeUses(NamespaceOf(md, u.Key), NameOf(md, u.Key),
            u.Value.Select(Outermost(md)).Where(t => t != u.Key).Select(t => (NamespaceOf(md, t), NameOf(md, t))).ToHashSet())).ToList();
    }

    private static Func<TypeDefinitionHandle, TypeDefinitionHandle> Outermost(MetadataReader md) => h => Outermost(md, h);

    private static TypeDefinitionHandle Outermost(MetadataReader md, TypeDefinitionHandle handle)
    {
        for (var declaring = md.GetTypeDefinition(handle).GetDeclaringType(); !declaring.IsNil; declaring = md.GetTypeDefinition(handle).GetDeclaringType())
            handle = declaring;
        return handle;
    }

    private static string NamespaceOf(MetadataReader md, TypeDefinitionHandle h) => md.GetString(md.GetTypeDefinition(h).Namespace);
    private static string NameOf(MetadataReader md, TypeDefinitionHandle h) => md.GetString(md.GetTypeDefinition(h).Name);

    /// <summary>Adds to one set every type definition a type's metadata and IL name.</summary>
    private sealed class Collector(MetadataReader md, PEReader pe, HashSet<TypeDefinitionHandle> found)
    {
        private static readonly IReadOnlyDictionary<ushort, OperandType> Operands = typeof(OpCodes).GetFields()
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => (ushort)o.Value, o => o.OperandType);
        private readonly DefinitionsProvider provider = new();

        public void Type(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            Entity(type.BaseType);
            foreach (var i in type.GetInterfaceImplementations()) Entity(md.GetInterfaceImplementation(i).Interface);
            GenericParameters(type.GetGenericParameters());
            Attributes(type.GetCustomAttributes());
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                found.UnionWith(field.DecodeSignature(provider, null));
                Attributes(field.GetCustomAttributes());
            }
            foreach (var p in type.GetProperties()) found.UnionWith(Flatten(md.GetPropertyDefinition(p).DecodeSignature(provider, null)));
            foreach (var e in type.GetEvents()) Entity(md.GetEventDefinition(e).Type);
            foreach (var m in type.GetMethods()) Method(md.GetMethodDefinition(m));
        }

        private void Method(MethodDefinition method)
        {
            found.UnionWith(Flatten(method.DecodeSignature(provider, null)));
            GenericParameters(method.GetGenericParameters());
            Attributes(method.GetCustomAttributes());
            foreach (var p in method.GetParameters()) Attributes(md.GetParameter(p).GetCustomAttributes());
            if (method.RelativeVirtualAddress == 0) return;
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
                foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null)) found.UnionWith(local);
            Il(body.GetILReader());
        }

        private void Il(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                ushort code = il.ReadByte();
                if (code == 0xFE) code = (ushort)(0xFE00 | il.ReadByte());
                switch (Operands[code])
                {
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                        Entity(MetadataTokens.EntityHandle(il.ReadInt32())); break;
                    case OperandType.InlineSwitch: var targets = il.ReadInt32(); il.Offset += 4 * targets; break;
                    case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
                    case OperandType.InlineVar: il.Offset += 2; break;
                    default: il.Offset += 4; break;
                }
            }
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var g in parameters)
                foreach (var c in md.GetGenericParameter(g).GetConstraints()) Entity(md.GetGenericParameterConstraint(c).Type);
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes) Entity(md.GetCustomAttribute(a).Constructor);
        }

        private void Entity(EntityHandle handle)
        {
            if (handle.IsNil) return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition: found.Add((TypeDefinitionHandle)handle); break;
                case HandleKind.TypeSpecification: found.UnionWith(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(provider, null)); break;
                case HandleKind.MethodDefinition: found.Add(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()); break;
                case HandleKind.FieldDefinition: found.Add(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()); break;
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    Entity(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method) found.UnionWith(Flatten(member.DecodeMethodSignature(provider, null)));
                    else found.UnionWith(member.DecodeFieldSignature(provider, null));
                    break;
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(spec.Method);
                    foreach (var argument in spec.DecodeSignature(provider, null)) found.UnionWith(argument);
                    break;
            }
        }

        private static IEnumerable<TypeDefinitionHandle> Flatten(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p));
    }

    /// <summary>Decodes a signature into the assembly's own type definitions it names (generic arguments included).</summary>
    private sealed class DefinitionsProvider : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        private static readonly ImmutableArray<TypeDefinitionHandle> None = [];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments) =>
            genericType.AddRange(typeArguments.SelectMany(a => a));
        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? context, int index) => None;
        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? context, int index) => None;
        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) =>
            unmodifiedType.AddRange(modifier);
        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(p => p));
    }
}
