# Shell functions shared by the scripts in this directory (sourced, not run).

# e2ee_require_packages PACKAGE...
# Installs the Debian packages among PACKAGE... that are missing: with apt-get
# when running as root (apt-get update first, unless E2EE_APT_UPDATED is set
# because the caller has just run it), otherwise it prints the apt-get line and
# exits with status 1.
e2ee_require_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" = 0 ]; then
    if [ -z "${E2EE_APT_UPDATED:-}" ]; then apt-get update -q; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "Missing packages. Install them with:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
}
