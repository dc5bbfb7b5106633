<#
.SYNOPSIS
    Turns docs/*.md into Get-Help content: en-US/MongoBackup.PowerShell.dll-Help.xml (MAML) and en-US/about_*.help.txt.
.DESCRIPTION
    Each docs/<Cmdlet>.md holds the prose: '## SYNOPSIS', '## DESCRIPTION', '## EXAMPLES' (each '### title' with a
    powershell code block and remarks after it), '## PARAMETERS' (each '### -Name' with its description),
    '## INPUTS', '## OUTPUTS', '## NOTES' and '## RELATED LINKS' (one '- name' or '- [name](uri)' a line).
    Syntax, types, positions and pipeline input are read from the compiled cmdlets themselves, so help never
    disagrees with the code. docs/about_*.md become about_*.help.txt as plain text.
.PARAMETER Root
    The repository root.
.PARAMETER Assembly
    The compiled MongoBackup.PowerShell.dll to read cmdlet metadata from; built in Release when not given.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Root,
    [string] $Assembly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
# -WhatIf and -Confirm are shown with each cmdlet that has them (Get-Help adds only [<CommonParameters>] by itself).
$common = [System.Management.Automation.Cmdlet]::CommonParameters + @('UseTransaction')
$shouldProcessText = @{
    WhatIf  = 'Shows what the command would do, without doing it.'
    Confirm = 'Asks for confirmation before each change.'
}

function Get-CmdletAssembly {
    if ($Assembly) { return (Resolve-Path $Assembly).Path }
    $project = Join-Path $Root 'src/MongoBackup.PowerShell'
    & dotnet build $project -c Release --nologo -v quiet -clp:ErrorsOnly | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Building $project failed; help needs the compiled cmdlets for syntax." }
    return Join-Path $project 'bin/Release/net8.0/MongoBackup.PowerShell.dll'
}

function Read-MarkdownSections {
    # Splits a document into '## NAME' sections; each section's text keeps its own '###' sub-headings.
    param([string] $Path)
    $sections = [ordered]@{ '#' = [System.Collections.Generic.List[string]]::new() }
    $current = '#'
    $inCode = $false
    foreach ($line in Get-Content $Path) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match '^## (.+)$') {
            $current = $Matches[1].Trim().ToUpperInvariant()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
            continue
        }
        $sections[$current].Add($line)
    }
    return $sections
}

function Split-Subsections {
    # '### heading' blocks of a section: heading and the lines under it.
    param([System.Collections.Generic.List[string]] $Lines)
    $result = [System.Collections.Generic.List[object]]::new()
    $item = $null
    $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match '^### (.+)$') {
            $item = [pscustomobject]@{ Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $result.Add($item)
            continue
        }
        if ($null -ne $item) { $item.Lines.Add($line) }
    }
    return $result
}

function Get-Paragraphs {
    # The paragraphs of Markdown text as help shows them: a blank-line separated paragraph has its wrapped lines joined
    # into one; each item of a numbered or bulleted list is a paragraph of its own (its wrapped lines joined), so steps
    # never run together; a code block (fenced, or indented four spaces after a blank line outside a list) is one
    # paragraph that keeps its lines, each indented four spaces.
    param([string[]] $Lines)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $text = [System.Collections.Generic.List[string]]::new()   # the lines of the paragraph or list item being read
    $code = [System.Collections.Generic.List[string]]::new()   # the lines of the code block being read
    $fenced = $false; $inList = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') {
            if ($text.Count) { $paragraphs.Add($text -join ' '); $text.Clear() }
            if ($fenced -and $code.Count) { $paragraphs.Add($code -join "`n"); $code.Clear() }
            $fenced = -not $fenced
            continue
        }
        if ($fenced) { $code.Add('    ' + $line); continue }
        $indentedCode = $line -match '^( {4}|\t)\S' -and -not $inList -and ($code.Count -or -not $text.Count)
        if ($indentedCode) { $code.Add('    ' + $line.Trim()); continue }
        if ($code.Count) { $paragraphs.Add($code -join "`n"); $code.Clear() }
        if (-not $line.Trim()) {
            if ($text.Count) { $paragraphs.Add($text -join ' '); $text.Clear() }
            continue
        }
        $item = $line -match '^\s{0,3}(\d+\.|[-*+])\s+'
        if ($item -and $text.Count) { $paragraphs.Add($text -join ' '); $text.Clear() }
        if ($item) { $inList = $true } elseif (-not $text.Count -and $line -notmatch '^\s') { $inList = $false }
        $text.Add($line.Trim())
    }
    if ($text.Count) { $paragraphs.Add($text -join ' ') }
    if ($code.Count) { $paragraphs.Add($code -join "`n") }
    return @($paragraphs | Where-Object { $_ })
}

function Write-Paragraphs {
    param([System.Xml.XmlWriter] $Xml, [string[]] $Paragraphs)
    $Xml.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($p in $Paragraphs) { $Xml.WriteElementString('maml', 'para', $ns.maml, $p) }
    $Xml.WriteEndElement()
}

function Get-ParameterText {
    param($Sections, [string] $Name)
    $found = if ($Sections.Contains('PARAMETERS')) { Split-Subsections $Sections['PARAMETERS'] | Where-Object Title -eq "-$Name" }
    if (-not $found) { return @($shouldProcessText[$Name] | Where-Object { $_ }) }
    return Get-Paragraphs $found.Lines
}

function Get-DefaultValue {
    # What a parameter is when not given, read from a fresh instance of the cmdlet, so help never disagrees with the code.
    # A parameter mandatory wherever it appears has no default; nor has one whose value is its type's default (0,
    # 01/01/0001, TimeSpan zero: what the property holds before anything is given, not a value the cmdlet uses). An
    # enum's first member can be a real default, so enums are shown as they are.
    param([System.Management.Automation.CmdletInfo] $Command, $Parameter)
    if ($Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]) { return 'False' }
    if (@($Parameter.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0) { return 'None' }
    $property = $Command.ImplementingType.GetProperty($Parameter.Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue([Activator]::CreateInstance($Command.ImplementingType))
    if ($null -eq $value -or ($value -is [string] -and $value -eq '') -or ($value -is [array] -and $value.Count -eq 0)) { return 'None' }
    $type = $value.GetType()
    if ($type.IsValueType -and -not $type.IsEnum -and $value -eq [Activator]::CreateInstance($type)) { return 'None' }
    if ($value -is [timespan]) { return $value.ToString('c') }
    return [string] $value
}

function Get-TypeText {
    # A -Repository (and -Destination) takes a path or a New-MongoRepository object: say both, not only String.
    param($Parameter, [switch] $FullName)
    $repository = [bool] ($Parameter.Attributes | Where-Object { $_.GetType().Name -eq 'RepositoryArgumentAttribute' })
    if ($repository) { return $(if ($FullName) { 'System.String or MongoBackup.MongoRepository' } else { 'String|MongoRepository' }) }
    # A Nullable<T> (-ConnectTimeout) is shown as the T it takes: Int32, not Nullable`1.
    $type = $Parameter.ParameterType
    if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
    return $(if ($FullName) { $type.FullName } else { $type.Name })
}

function Write-ParameterElement {
    param([System.Xml.XmlWriter] $Xml, $Parameter, $SetParameter, $Sections, [System.Management.Automation.CmdletInfo] $Command)
    $pipeline = if ($SetParameter.ValueFromPipeline -and $SetParameter.ValueFromPipelineByPropertyName) { 'True (ByValue, ByPropertyName)' }
        elseif ($SetParameter.ValueFromPipeline) { 'True (ByValue)' }
        elseif ($SetParameter.ValueFromPipelineByPropertyName) { 'True (ByPropertyName)' }
        else { 'False' }
    $position = if ($SetParameter.Position -ge 0) { [string] $SetParameter.Position } else { 'named' }
    $wildcards = [bool] ($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $Xml.WriteStartElement('command', 'parameter', $ns.command)
    $Xml.WriteAttributeString('required', ([string] $SetParameter.IsMandatory).ToLowerInvariant())
    $Xml.WriteAttributeString('variableLength', 'true')
    $Xml.WriteAttributeString('globbing', ([string] $wildcards).ToLowerInvariant())
    $Xml.WriteAttributeString('pipelineInput', $pipeline)
    $Xml.WriteAttributeString('position', $position)
    $Xml.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Xml.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    Write-Paragraphs $Xml (Get-ParameterText $Sections $Parameter.Name)
    $validSet = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    $values = if ($validSet) { $validSet.ValidValues } elseif ($Parameter.ParameterType.IsEnum) { [enum]::GetNames($Parameter.ParameterType) } else { @() }
    if ($values) {
        $Xml.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $values) {
            $Xml.WriteStartElement('command', 'parameterValue', $ns.command); $Xml.WriteAttributeString('required', 'false'); $Xml.WriteString($v); $Xml.WriteEndElement()
        }
        $Xml.WriteEndElement()
    }
    $isSwitch = $Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
    if (-not $isSwitch) {
        # A switch takes no value; anything else shows its type in the syntax.
        $Xml.WriteStartElement('command', 'parameterValue', $ns.command)
        $Xml.WriteAttributeString('required', 'true')
        $Xml.WriteString((Get-TypeText $Parameter))
        $Xml.WriteEndElement()
    }
    $Xml.WriteStartElement('dev', 'type', $ns.dev); $Xml.WriteElementString('maml', 'name', $ns.maml, (Get-TypeText $Parameter -FullName)); $Xml.WriteEndElement()
    $Xml.WriteElementString('dev', 'defaultValue', $ns.dev, (Get-DefaultValue $Command $Parameter))
    $Xml.WriteEndElement()
}

function Write-CommandHelp {
    param([System.Xml.XmlWriter] $Xml, [System.Management.Automation.CmdletInfo] $Command, [string] $DocPath)
    $sections = Read-MarkdownSections $DocPath
    $synopsis = (Get-Paragraphs $sections['SYNOPSIS']) -join ' '
    if (-not $synopsis) { throw "$DocPath has no SYNOPSIS." }
    $Xml.WriteStartElement('command', 'command', $ns.command)
    $Xml.WriteStartElement('command', 'details', $ns.command)
    $Xml.WriteElementString('command', 'name', $ns.command, $Command.Name)
    Write-Paragraphs $Xml @($synopsis)
    $Xml.WriteElementString('command', 'verb', $ns.command, $Command.Verb)
    $Xml.WriteElementString('command', 'noun', $ns.command, $Command.Noun)
    $Xml.WriteEndElement()
    Write-Paragraphs $Xml (Get-Paragraphs $sections['DESCRIPTION'])

    $Xml.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $Command.ParameterSets) {
        $Xml.WriteStartElement('command', 'syntaxItem', $ns.command)
        $Xml.WriteElementString('maml', 'name', $ns.maml, $Command.Name)
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $common }) {
            Write-ParameterElement $Xml $Command.Parameters[$p.Name] $p $sections $Command
        }
        $Xml.WriteEndElement()
    }
    $Xml.WriteEndElement()

    $Xml.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($name in $Command.Parameters.Keys | Where-Object { $_ -notin $common }) {
        $parameter = $Command.Parameters[$name]
        $inSet = $Command.ParameterSets | ForEach-Object { $_.Parameters } | Where-Object Name -eq $name | Select-Object -First 1
        Write-ParameterElement $Xml $parameter $inSet $sections $Command
    }
    $Xml.WriteEndElement()

    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $element = if ($kind -eq 'INPUTS') { 'inputTypes' } else { 'returnValues' }
        $Xml.WriteStartElement('command', $element, $ns.command)
        foreach ($type in Split-Subsections ($(if ($sections.Contains($kind)) { $sections[$kind] } else { [System.Collections.Generic.List[string]]::new() }))) {
            $Xml.WriteStartElement('command', $(if ($kind -eq 'INPUTS') { 'inputType' } else { 'returnValue' }), $ns.command)
            $Xml.WriteStartElement('dev', 'type', $ns.dev); $Xml.WriteElementString('maml', 'name', $ns.maml, $type.Title); $Xml.WriteEndElement()
            Write-Paragraphs $Xml (Get-Paragraphs $type.Lines)
            $Xml.WriteEndElement()
        }
        $Xml.WriteEndElement()
    }

    if ($sections.Contains('NOTES')) {
        $Xml.WriteStartElement('maml', 'alertSet', $ns.maml)
        $Xml.WriteStartElement('maml', 'alert', $ns.maml)
        foreach ($p in Get-Paragraphs $sections['NOTES']) { $Xml.WriteElementString('maml', 'para', $ns.maml, $p) }
        $Xml.WriteEndElement(); $Xml.WriteEndElement()
    }

    $Xml.WriteStartElement('command', 'examples', $ns.command)
    foreach ($example in Split-Subsections $sections['EXAMPLES']) {
        $code = [System.Collections.Generic.List[string]]::new()
        $remarks = [System.Collections.Generic.List[string]]::new()
        $inCode = $false
        foreach ($line in $example.Lines) {
            if ($line -match '^```') { $inCode = -not $inCode; continue }
            if ($inCode) { $code.Add($line) } else { $remarks.Add($line) }
        }
        $Xml.WriteStartElement('command', 'example', $ns.command)
        $Xml.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($example.Title) --------------------------")
        $Xml.WriteElementString('dev', 'code', $ns.dev, ($code -join "`n").Trim())
        # Get-Help -Examples shows an example's dev:remarks (a maml:description there is never shown).
        $Xml.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($p in Get-Paragraphs $remarks) { $Xml.WriteElementString('maml', 'para', $ns.maml, $p) }
        $Xml.WriteEndElement()
        $Xml.WriteEndElement()
    }
    $Xml.WriteEndElement()

    $Xml.WriteStartElement('command', 'relatedLinks', $ns.command)
    # The first link with a URI is what Get-Help -Online opens: this cmdlet's help page in the project.
    $Xml.WriteStartElement('maml', 'navigationLink', $ns.maml)
    $Xml.WriteElementString('maml', 'linkText', $ns.maml, 'Online Version:')
    $Xml.WriteElementString('maml', 'uri', $ns.maml, "$ProjectUri/blob/main/docs/$($Command.Name).md")
    $Xml.WriteEndElement()
    if ($sections.Contains('RELATED LINKS')) {
        foreach ($line in $sections['RELATED LINKS']) {
            # Matched here, line by line: $Matches of a Where-Object filter would hold only the last line's match.
            if ($line -notmatch '^\s*-\s+(.+)$') { continue }
            $entry = $Matches[1].Trim()
            $text, $uri = if ($entry -match '^\[(.+?)\]\((.*?)\)$') { $Matches[1], $Matches[2] } else { $entry, '' }
            $Xml.WriteStartElement('maml', 'navigationLink', $ns.maml)
            $Xml.WriteElementString('maml', 'linkText', $ns.maml, $text)
            $Xml.WriteElementString('maml', 'uri', $ns.maml, $uri)
            $Xml.WriteEndElement()
        }
    }
    $Xml.WriteEndElement()
    $Xml.WriteEndElement()
}

function ConvertTo-AboutText {
    # about_ topics are plain text: headings upper-cased and flush left, body indented as Get-Help shows it. The title
    # '# about_X' becomes 'TOPIC' and the name, as PowerShell's own topics begin: Get-Help takes a topic's synopsis (in
    # Get-Help about_*'s list) from its fifth line, the first line of SHORT DESCRIPTION's text after that header.
    param([string] $Path)
    $out = [System.Text.StringBuilder]::new()
    $inCode = $false
    foreach ($line in Get-Content $Path) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { [void] $out.AppendLine("    $line"); continue }
        if ($line -match '^# (about_\w+)\s*$') { [void] $out.AppendLine('TOPIC').AppendLine("    $($Matches[1])"); continue }
        if ($line -match '^#{1,2} (.+)$') { [void] $out.AppendLine($Matches[1].Trim().ToUpperInvariant()); continue }
        if ($line -match '^#{3,} (.+)$') { [void] $out.AppendLine("  $($Matches[1].Trim())"); continue }
        [void] $out.AppendLine($(if ($line) { "    $line" } else { '' }))
    }
    return $out.ToString()
}

$docs = Join-Path $Root 'docs'
$output = Join-Path $Root 'en-US'
New-Item -ItemType Directory -Path $output -Force | Out-Null

$module = Import-Module (Get-CmdletAssembly) -PassThru -Force
$ProjectUri = (Import-PowerShellDataFile (Join-Path $Root 'MongoBackup.psd1')).PrivateData.PSData.ProjectUri
if (-not $ProjectUri) { throw 'MongoBackup.psd1 has no PrivateData.PSData.ProjectUri: help links and Get-Help -Online need it.' }
$cmdlets = Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$mamlPath = Join-Path $output 'MongoBackup.PowerShell.dll-Help.xml'
$xml = [System.Xml.XmlWriter]::Create($mamlPath, $settings)
try {
    $xml.WriteStartDocument()
    $xml.WriteStartElement('helpItems', 'http://msh')
    $xml.WriteAttributeString('schema', 'maml')
    $xml.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $xml.WriteAttributeString('xmlns', 'command', $null, $ns.command)
    $xml.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    foreach ($cmdlet in $cmdlets) {
        $doc = Join-Path $docs "$($cmdlet.Name).md"
        if (-not (Test-Path $doc)) { throw "No help source for $($cmdlet.Name): expected $doc." }
        Write-CommandHelp $xml $cmdlet $doc
    }
    $xml.WriteEndElement()
    $xml.WriteEndDocument()
}
finally { $xml.Dispose() }
Write-Host "Wrote $mamlPath ($($cmdlets.Count) cmdlets)"

foreach ($about in Get-ChildItem $docs -Filter 'about_*.md') {
    $target = Join-Path $output ($about.BaseName + '.help.txt')
    $text = ConvertTo-AboutText $about.FullName
    $synopsis = ($text -split '\r?\n')[4]
    if ($text -notmatch '^TOPIC\r?\n    about_\w+\r?\n\r?\nSHORT DESCRIPTION\r?\n' -or -not $synopsis.Trim()) {
        throw "$($about.FullName) must begin '# $($about.BaseName)', a blank line, '## SHORT DESCRIPTION' and its one line: Get-Help shows the topic's fifth line as its synopsis."
    }
    Set-Content -Path $target -Value $text -Encoding utf8NoBOM -NoNewline
    Write-Host "Wrote $target"
}
