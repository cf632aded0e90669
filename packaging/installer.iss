; Inno Setup script of the back-office installer (Windows).
; Built by packaging/build.py when iscc is on PATH:  iscc /DAppVersion=0.1.0 packaging\installer.iss
; Installs the PyInstaller onedir build (dist\backoffice) per user or per machine.
; The user's data (database, logs) lives in %LOCALAPPDATA%\ComComSudSarthe\PortailFamille and is
; never touched by an upgrade or an uninstall. An upgrade first removes the previous program
; files ([InstallDelete], written by packaging/install_rules.py and checked against it by
; tests/test_install_rules.py), so no file of the old version (a renamed migration) stays.
; What decides where the data lives (portable.flag) is never removed, not even by the
; uninstaller. The machine-wide settings file (%PROGRAMDATA%\ComComSudSarthe\PortailFamille\
; settings.toml) belongs to IT: the installer neither writes nor removes it.
; Silent install for every user of a desktop:  setup.exe /VERYSILENT /ALLUSERS /SUPPRESSMSGBOXES /NORESTART

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
; Portable mode only where the agent can write beside the program: never for all users
; (Program Files is read-only to agents).
Name: "portable"; Description: "Mode portable : données à côté du programme (clé USB)"; Flags: unchecked; Check: not IsAdminInstallMode

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
Type: files; Name: "{app}\backoffice.exe"
Type: files; Name: "{app}\backoffice-cli.exe"

[Files]
Source: "{#DistDir}\backoffice\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "portable.flag"; DestDir: "{app}"; Tasks: portable; Flags: onlyifdoesntexist uninsneveruninstall

[Icons]
Name: "{autoprograms}\Portail Famille"; Filename: "{app}\backoffice.exe"
Name: "{autodesktop}\Portail Famille"; Filename: "{app}\backoffice.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\backoffice.exe"; Description: "Lancer Portail Famille"; Flags: nowait postinstall skipifsilent
