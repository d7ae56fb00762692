; NOT TESTED on Windows (written on Linux; no Windows machine was available).
; Inno Setup 6 script: installs dist\rdrs-gui\ (from packaging\windows\build.ps1) per user,
; a Start-menu entry for rdrs-gui.exe, and the folder on the user's PATH for rdrs.exe.
#define AppVersion "0.1.0"

[Setup]
AppId={{6C1F1D0E-3B8A-4E55-9E0B-52D1E6A0C7F2}
AppName=rdrs-gui
AppVersion={#AppVersion}
DefaultDirName={localappdata}\Programs\rdrs-gui
DefaultGroupName=rdrs-gui
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=rdrs-gui-setup
Compression=lzma2/fast
ChangesEnvironment=yes

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "ru"; MessagesFile: "compiler:Languages\Russian.isl"

[Files]
Source: "..\..\dist\rdrs-gui\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\rdrs-gui"; Filename: "{app}\rdrs-gui.exe"
Name: "{group}\Uninstall rdrs-gui"; Filename: "{uninstallexe}"

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; \
    ValueData: "{olddata};{app}"; Check: NeedsAddPath(ExpandConstant('{app}'))

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Path) then
    Path := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
