# make install / uninstall / man / deb; `include scripts/install.mk` from the Makefile (after
# OUT and PYTHON are set). Defines no default goal.
#   make install PREFIX=/usr/local DESTDIR=...   the binary, kvmstat-bpf(8), bash completion,
#       the systemd unit, /etc/default/kvmstat-bpf (only if absent: it is yours to edit), and
#       contrib/'s Grafana dashboard and Prometheus files under $(PREFIX)/share/kvmstat-bpf
#   make uninstall (same variables)   removes them; /etc/default/kvmstat-bpf only if unedited
#   make deb                          build/deb/kvmstat-bpf_VERSION_ARCH.deb (scripts/make-deb.sh)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# systemd reads /usr/local/lib/systemd/system as well as /lib and /etc.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
CONTRIBDIR ?= $(DATADIR)/kvmstat-bpf
INSTALL ?= install

MAN_PAGE := $(OUT)/man/kvmstat-bpf.8
# The program's own --help is the source of the options' part of the page.
$(MAN_PAGE): kvmstat-bpf docs/kvmstat-bpf.8.in scripts/gen-man.py
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PYTHON) scripts/gen-man.py ./kvmstat-bpf docs/kvmstat-bpf.8.in $@

CONTRIB_PROM := prometheus.yml kvmstat-bpf.rules.yml kvmstat-bpf.rules.test.yml

.PHONY: install uninstall man deb
man: $(MAN_PAGE)

install: kvmstat-bpf $(MAN_PAGE)
	$(Q)$(INSTALL) -D -m 0755 kvmstat-bpf $(DESTDIR)$(SBINDIR)/kvmstat-bpf
	$(Q)$(INSTALL) -D -m 0644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man8/kvmstat-bpf.8
	$(Q)$(INSTALL) -D -m 0644 contrib/bash-completion/kvmstat-bpf $(DESTDIR)$(BASHCOMPDIR)/kvmstat-bpf
	$(Q)$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/kvmstat-bpf.service.in \
		> $(DESTDIR)$(UNITDIR)/kvmstat-bpf.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/kvmstat-bpf.service
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/default/kvmstat-bpf ] || \
		$(INSTALL) -D -m 0644 contrib/systemd/kvmstat-bpf.default $(DESTDIR)$(SYSCONFDIR)/default/kvmstat-bpf
	$(Q)$(INSTALL) -D -m 0644 contrib/grafana/kvmstat-bpf.json $(DESTDIR)$(CONTRIBDIR)/grafana/kvmstat-bpf.json
	$(Q)$(INSTALL) -d $(DESTDIR)$(CONTRIBDIR)/prometheus
	$(Q)$(INSTALL) -m 0644 $(addprefix contrib/prometheus/,$(CONTRIB_PROM)) $(DESTDIR)$(CONTRIBDIR)/prometheus/

uninstall:
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/kvmstat-bpf $(DESTDIR)$(MANDIR)/man8/kvmstat-bpf.8 \
		$(DESTDIR)$(BASHCOMPDIR)/kvmstat-bpf $(DESTDIR)$(UNITDIR)/kvmstat-bpf.service \
		$(DESTDIR)$(CONTRIBDIR)/grafana/kvmstat-bpf.json \
		$(addprefix $(DESTDIR)$(CONTRIBDIR)/prometheus/,$(CONTRIB_PROM))
	$(Q)if cmp -s contrib/systemd/kvmstat-bpf.default $(DESTDIR)$(SYSCONFDIR)/default/kvmstat-bpf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/default/kvmstat-bpf; fi
	$(Q)rmdir $(DESTDIR)$(CONTRIBDIR)/grafana $(DESTDIR)$(CONTRIBDIR)/prometheus $(DESTDIR)$(CONTRIBDIR) \
		2>/dev/null || true

deb: kvmstat-bpf $(MAN_PAGE)
	$(Q)bash scripts/make-deb.sh $(OUT)/deb
