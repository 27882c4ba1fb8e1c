# Reads apt source files (one-line .list and deb822 .sources) and prints, for every
# enabled "deb" entry that serves the given suite and component, a deb822 stanza with
# both deb and deb-src, keeping its URIs and Signed-By.  Exit status 1: none found.
# Usage: awk -v suite=bookworm -v component=main -f debian-sources.awk FILE...
function flush(   i, n, t, s, hasdeb, hassuite, hascomp) {
    if (!("uris" in f)) { delete f; return }
    if (tolower(f["enabled"]) == "no") { delete f; return }
    n = split(f["types"], t, /[ \t]+/); hasdeb = 0
    for (i = 1; i <= n; i++) if (t[i] == "deb") hasdeb = 1
    n = split(f["suites"], s, /[ \t]+/); hassuite = 0
    for (i = 1; i <= n; i++) if (s[i] == suite) hassuite = 1
    n = split(f["components"], s, /[ \t]+/); hascomp = 0
    for (i = 1; i <= n; i++) if (s[i] == component) hascomp = 1
    if (hasdeb && hassuite && hascomp) {
        printf "Types: deb deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n", f["uris"], suite, component
        if (f["signed-by"] != "") printf "Signed-By: %s\n", f["signed-by"]
        printf "\n"; found++
    }
    delete f
}
FNR == 1 { flush(); key = "" }
FILENAME ~ /\.sources$/ {
    if ($0 ~ /^[ \t]*$/) { flush(); key = ""; next }
    if ($0 ~ /^#/) next
    if ($0 ~ /^[ \t]/ && key != "") { f[key] = f[key] "\n" $0; next }
    key = tolower($0); sub(/:.*/, "", key)
    value = $0; sub(/^[^:]*:[ \t]*/, "", value)
    f[key] = value
    next
}
{   # one-line style: deb [options] uri suite component...
    sub(/#.*/, "")
    if ($1 != "deb") next
    line = $0; sub(/^[ \t]*deb[ \t]+/, "", line)
    options = ""
    if (line ~ /^\[/) { options = line; sub(/\].*/, "", options); sub(/^\[/, "", options); sub(/^[^\]]*\][ \t]*/, "", line) }
    n = split(line, w, /[ \t]+/)
    f["types"] = "deb"; f["uris"] = w[1]; f["suites"] = w[2]; f["components"] = ""
    for (i = 3; i <= n; i++) f["components"] = f["components"] " " w[i]
    if (match(options, /signed-by=[^ \t]+/)) f["signed-by"] = substr(options, RSTART + 10, RLENGTH - 10)
    flush()
}
END { flush(); if (!found) exit 1 }
