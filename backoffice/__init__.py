"""Back-office Portail Famille: the desktop application agents use to run childcare services."""

__version__ = "0.1.0"
APP_NAME = "Portail Famille"
APP_ORG = "ComComSudSarthe"
