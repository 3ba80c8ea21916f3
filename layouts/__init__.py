"""Pure functions from data to component trees and figures; no database, no callbacks."""
