# Shared by the return mailbox tests: sourced after cli-lib.sh. Starts
# Dovecot (Debian's dovecot-imapd and dovecot-pop3d) on 127.0.0.1 with a
# throwaway configuration in $T/dovecot: IMAPS, IMAP with STARTTLS,
# POP3S and POP3 with STLS on ports the kernel picks ($imaps_port,
# $imap_port, $pop3s_port, $pop3_port), a self-signed certificate for
# 127.0.0.1 and localhost ($T/dovecot/cert.pem), and one user, bounces,
# whose password is $MAILBOX_PASSWORD and whose maildir is $T/mail.
[ -x /usr/sbin/dovecot ] ||
	skip "dovecot not installed (apt-get install dovecot-imapd dovecot-pop3d)"
need openssl

MAILBOX_PASSWORD=s3cret-mailbox-pw
export DIGEST_MAILBOX_PASSWORD=$MAILBOX_PASSWORD
MAILDIR=$T/mail/Maildir

# Dovecot will not deliver to root: as root the mail belongs to the
# dovecot user, otherwise to whoever runs the test.
if [ "$(id -u)" -eq 0 ]; then
	id dovecot >/dev/null 2>&1 || skip "no 'dovecot' user"
	mail_user=dovecot
	login_user=dovenull
	id dovenull >/dev/null 2>&1 || login_user=dovecot
else
	mail_user=$(id -un)
	login_user=$mail_user
fi

dovecot_pid=
# start_dovecot [configuration lines...]: extra lines are appended.
start_dovecot() {
	d=$T/dovecot
	mkdir -p "$d/run" "$MAILDIR/cur" "$MAILDIR/new" "$MAILDIR/tmp"
	[ -s "$d/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes \
	    -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
	    -subj /CN=localhost \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
		die "openssl could not make a certificate"
	chmod 600 "$d/key.pem"
	echo "bounces:{PLAIN}$MAILBOX_PASSWORD" >"$d/passwd"
	imaps_port=$(free_port); imap_port=$(free_port)
	pop3s_port=$(free_port); pop3_port=$(free_port)
	cat >"$d/dovecot.conf" <<CONF
base_dir = $d/run
state_dir = $d/run
instance_name = digest-test-$$
log_path = $d/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$d/cert.pem
ssl_key = <$d/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = $mail_user
default_login_user = $login_user
first_valid_uid = 1
mail_location = maildir:$MAILDIR
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = static
  args = uid=$(id -u "$mail_user") gid=$(id -g "$mail_user") home=$T/mail
}
namespace inbox {
  inbox = yes
  separator = .
}
service imap-login {
  inet_listener imap {
    port = $imap_port
  }
  inet_listener imaps {
    port = $imaps_port
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $pop3_port
  }
  inet_listener pop3s {
    port = $pop3s_port
    ssl = yes
  }
}
CONF
	for line in "$@"; do echo "$line" >>"$d/dovecot.conf"; done
	chown -R "$mail_user" "$T/mail"
	# Dovecot's own processes (as $mail_user) read the user list and
	# the maildir under the scratch directory.
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$T"
		chown "$mail_user" "$d/passwd"
	fi
	/usr/sbin/dovecot -F -c "$d/dovecot.conf" >"$d/stdout" 2>&1 &
	dovecot_pid=$!
	"$PY" "$TESTS/py/wait_ports.py" "$imaps_port" "$imap_port" "$pop3s_port" "$pop3_port" ||
		die "dovecot did not start: $(cat "$d/stdout" "$d/dovecot.log" 2>/dev/null)"
}

stop_dovecot() {
	[ -n "$dovecot_pid" ] || return 0
	kill "$dovecot_pid" 2>/dev/null
	wait "$dovecot_pid" 2>/dev/null
	dovecot_pid=
	return 0
}
on_exit stop_dovecot

# deliver FILE [FOLDER]: puts a message into the maildir (INBOX, or the
# folder, e.g. INBOX.digest-other), as a local delivery agent would.
ndelivered=0
deliver() {
	dir=$MAILDIR
	[ -n "${2:-}" ] && dir=$MAILDIR/.$2
	mkdir -p "$dir/new" "$dir/cur" "$dir/tmp"
	ndelivered=$((ndelivered + 1))
	f="$dir/new/$(date +%s).$$_$ndelivered.digest-test"
	cp "$1" "$f"
	chown -R "$mail_user" "$dir"
}

# in_folder [FOLDER]: how many messages the folder (INBOX.digest-done;
# none: INBOX) holds.
in_folder() {
	dir=$MAILDIR
	[ -n "${1:-}" ] && dir=$MAILDIR/.$1
	find "$dir/new" "$dir/cur" -type f 2>/dev/null | wc -l
}

# token KIND EDITION EMAIL: the signed token of that reader and edition
# (tests/servers/verp.py: the format, written again in Python).
token() {
	"$PY" "$TESTS/servers/verp.py" --number "$DIGEST_DB" "$@" ||
		fail "verp.py $*"
}

# rss_run ARGS...: as run, and the peak resident memory of that digest
# process in $rss_kb. Under ASan (and valgrind, `make valgrind`) freed
# memory is held back in a quarantine (256 MB; 20 MB), which would count
# what was allocated rather than what was live: it is kept small here.
rss_run() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4" \
	VALGRIND_OPTS="${VALGRIND_OPTS:-} --freelist-vol=1000000" \
	    "$PY" "$TESTS/py/rss_run.py" "$T/out" "$T/err" "$T/rss" "$DIGEST" "$@"
	rc=$(cut -d" " -f1 "$T/rss")
	rss_kb=$(cut -d" " -f2 "$T/rss")
}

# mailbox_conf URL [key=value...]: $T/digest.conf, the sample's, with the
# templates of this tree, the outbox in $T, the return path
# bounces@ledger.example.org, the return mailbox at URL (user bounces,
# Dovecot's certificate) and the keys given.
mailbox_conf() {
	sed -e "s|^templates =.*|templates = $TOP/templates|" \
	    -e "s|^outbox =.*|outbox = $T/outbox|" \
	    -e "s|^mailbox_url =.*|mailbox_url = $1|" \
	    -e "s|^mailbox_user =.*|mailbox_user = bounces|" \
	    -e "s|^mailbox_cafile =.*|mailbox_cafile = $T/dovecot/cert.pem|" \
	    -e "s|^return_path =.*|return_path = bounces@ledger.example.org|" \
	    "$TOP/samples/digest.conf" >"$T/digest.conf"
	shift
	for kv in "$@"; do
		sed -i "s|^${kv%%=*} =.*|${kv%%=*} = ${kv#*=}|" "$T/digest.conf"
	done
}

# readers N: N confirmed subscribers r1..rN@example.org, the numbers as
# wide as N's (r01..r24), every topic; and the sample feed's articles.
readers() {
	"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
	"$PY" "$TESTS/py/people.py" --bare "$1" >"$T/people.csv"
	"$DIGEST" subscribers import "$T/people.csv" >/dev/null ||
		fail "import"
}

# mail ITEM...: return mail into the INBOX (tests/servers/returnmail.py).
mail() {
	"$PY" "$TESTS/servers/returnmail.py" "$DIGEST_DB" "$MAILDIR" "$@" ||
		fail "writing the mailbox"
}

# status EMAIL: the subscriber's status.
status() { sql "SELECT status FROM subscriber WHERE email = '$1'"; }
