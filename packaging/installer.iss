; Inno Setup script of the back-office installer (Windows).
; Built by packaging/build.py when iscc is on PATH:  iscc /DAppVersion=0.1.0 packaging\installer.iss
; Installs the PyInstaller onedir build (dist\backoffice) per user or per machine.
; The user's data (database, logs) lives in %LOCALAPPDATA%\ComComSudSarthe\PortailFamille and is
; never touched by an upgrade or an uninstall: only the files listed in [Files] are removed.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef DistDir
  #define DistDir "..\dist"
#endif

[Setup]
AppId={{6A0F4C52-3B1E-4F43-9B7A-2D8C4E5F7A11}
AppName=Portail Famille
AppVersion={#AppVersion}
AppVerName=Portail Famille {#AppVersion}
AppPublisher=Communauté de communes Sud Sarthe
DefaultDirName={autopf}\Portail Famille
DefaultGroupName=Portail Famille
DisableProgramGroupPage=yes
; Per user by default; an administrator may choose "for all users" in the dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir={#DistDir}
OutputBaseFilename=PortailFamille-{#AppVersion}-setup
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\backoffice.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Tasks]
Name: "desktopicon"; Description: "Créer un raccourci sur le Bureau"; GroupDescription: "Raccourcis :"
Name: "portable"; Description: "Mode portable : données à côté du programme (clé USB)"; Flags: unchecked

[Files]
Source: "{#DistDir}\backoffice\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "portable.flag"; DestDir: "{app}"; Tasks: portable; Flags: onlyifdoesntexist

[Icons]
Name: "{autoprograms}\Portail Famille"; Filename: "{app}\backoffice.exe"
Name: "{autodesktop}\Portail Famille"; Filename: "{app}\backoffice.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\backoffice.exe"; Description: "Lancer Portail Famille"; Flags: nowait postinstall skipifsilent
