global using Duragent.Testing;
