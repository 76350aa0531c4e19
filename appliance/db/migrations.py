"""Schema migrations, from the first release on.

Each migration is frozen DDL (not generated from today's models, which change),
applied in order inside a transaction and recorded in schema_version, so a box
updated across several releases walks every step exactly once and a crash in
the middle leaves the previous version intact.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "initial schema: settings, extensions, mailboxes, users, sessions, journal",
        [
            """CREATE TABLE setting (
                key VARCHAR(255) NOT NULL PRIMARY KEY,
                value TEXT NOT NULL)""",
            """CREATE TABLE extension (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                secret VARCHAR(255) NOT NULL,
                email VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE mailbox (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                pin VARCHAR(255) NOT NULL,
                email VARCHAR(255),
                extension_id INTEGER UNIQUE REFERENCES extension (id) ON DELETE RESTRICT)""",
            """CREATE TABLE user (
                id INTEGER NOT NULL PRIMARY KEY,
                username VARCHAR(255) NOT NULL UNIQUE,
                password_hash VARCHAR(255) NOT NULL,
                role VARCHAR(255) NOT NULL,
                extension_id INTEGER REFERENCES extension (id) ON DELETE RESTRICT,
                created_at DATETIME NOT NULL)""",
            "CREATE INDEX user_extension_id ON user (extension_id)",
            """CREATE TABLE session (
                token_hash VARCHAR(255) NOT NULL PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
                created_at DATETIME NOT NULL,
                expires_at DATETIME NOT NULL)""",
            "CREATE INDEX session_user_id ON session (user_id)",
            # AUTOINCREMENT: a revision number is never reused, even after pruning.
            """CREATE TABLE change (
                id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                at DATETIME NOT NULL,
                actor VARCHAR(255) NOT NULL,
                action VARCHAR(255) NOT NULL,
                target VARCHAR(255) NOT NULL,
                status VARCHAR(255) NOT NULL,
                error TEXT)""",
            "CREATE INDEX change_status ON change (status)",
            """CREATE TABLE change_row (
                id INTEGER NOT NULL PRIMARY KEY,
                change_id INTEGER NOT NULL REFERENCES change (id) ON DELETE CASCADE,
                tbl VARCHAR(255) NOT NULL,
                row_id TEXT NOT NULL,
                before TEXT,
                after TEXT,
                seq INTEGER NOT NULL)""",
            "CREATE INDEX change_row_change_id ON change_row (change_id)",
        ],
    ),
    (
        2,
        "web UI: user language, number plan, trunks, ring groups, prompts, IVRs, routes, wizard drafts",
        [
            "ALTER TABLE user ADD COLUMN language VARCHAR(255) NOT NULL DEFAULT 'en'",
            # Browsers sign in with a cookie; their state-changing requests carry this token too.
            "ALTER TABLE session ADD COLUMN csrf_token VARCHAR(255) NOT NULL DEFAULT ''",
            # One dial plan: an extension, a ring group and an IVR never share a number.
            """CREATE TABLE number (
                number VARCHAR(255) NOT NULL PRIMARY KEY,
                kind VARCHAR(255) NOT NULL,
                owner_id INTEGER NOT NULL)""",
            "INSERT INTO number (number, kind, owner_id) SELECT number, 'extension', id FROM extension",
            """CREATE TABLE trunk (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                host VARCHAR(255) NOT NULL,
                port INTEGER NOT NULL,
                transport VARCHAR(255) NOT NULL,
                username VARCHAR(255),
                secret VARCHAR(255),
                register INTEGER NOT NULL,
                from_domain VARCHAR(255),
                caller_id VARCHAR(255),
                max_channels INTEGER,
                enabled INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE ring_group (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                strategy VARCHAR(255) NOT NULL,
                ring_seconds INTEGER NOT NULL,
                dest_kind VARCHAR(255) NOT NULL,
                dest_target VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE ring_group_member (
                id INTEGER NOT NULL PRIMARY KEY,
                ring_group_id INTEGER NOT NULL REFERENCES ring_group (id) ON DELETE RESTRICT,
                extension_id INTEGER NOT NULL REFERENCES extension (id) ON DELETE RESTRICT,
                position INTEGER NOT NULL)""",
            "CREATE UNIQUE INDEX ring_group_member_unique ON ring_group_member (ring_group_id, extension_id)",
            "CREATE INDEX ring_group_member_extension_id ON ring_group_member (extension_id)",
            """CREATE TABLE prompt (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                filename VARCHAR(255) NOT NULL,
                duration REAL NOT NULL,
                source VARCHAR(255) NOT NULL,
                created_at DATETIME NOT NULL)""",
            """CREATE TABLE ivr (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) UNIQUE,
                name VARCHAR(255) NOT NULL UNIQUE,
                prompt_id INTEGER REFERENCES prompt (id) ON DELETE RESTRICT,
                timeout INTEGER NOT NULL,
                max_tries INTEGER NOT NULL,
                direct_dial INTEGER NOT NULL,
                timeout_kind VARCHAR(255) NOT NULL,
                timeout_target VARCHAR(255),
                invalid_kind VARCHAR(255) NOT NULL,
                invalid_target VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            "CREATE INDEX ivr_prompt_id ON ivr (prompt_id)",
            """CREATE TABLE ivr_option (
                id INTEGER NOT NULL PRIMARY KEY,
                ivr_id INTEGER NOT NULL REFERENCES ivr (id) ON DELETE RESTRICT,
                digit VARCHAR(255) NOT NULL,
                dest_kind VARCHAR(255) NOT NULL,
                dest_target VARCHAR(255))""",
            "CREATE UNIQUE INDEX ivr_option_unique ON ivr_option (ivr_id, digit)",
            """CREATE TABLE inbound_route (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                did VARCHAR(255),
                cid VARCHAR(255),
                dest_kind VARCHAR(255) NOT NULL,
                dest_target VARCHAR(255),
                position INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE outbound_route (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                position INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE outbound_pattern (
                id INTEGER NOT NULL PRIMARY KEY,
                route_id INTEGER NOT NULL REFERENCES outbound_route (id) ON DELETE RESTRICT,
                pattern VARCHAR(255) NOT NULL,
                strip INTEGER NOT NULL,
                prefix VARCHAR(255) NOT NULL,
                position INTEGER NOT NULL)""",
            "CREATE INDEX outbound_pattern_route_id ON outbound_pattern (route_id)",
            """CREATE TABLE outbound_route_trunk (
                id INTEGER NOT NULL PRIMARY KEY,
                route_id INTEGER NOT NULL REFERENCES outbound_route (id) ON DELETE RESTRICT,
                trunk_id INTEGER NOT NULL REFERENCES trunk (id) ON DELETE RESTRICT,
                position INTEGER NOT NULL)""",
            "CREATE INDEX outbound_route_trunk_route_id ON outbound_route_trunk (route_id)",
            "CREATE INDEX outbound_route_trunk_trunk_id ON outbound_route_trunk (trunk_id)",
            # The setup wizard's answers before its final step applies them all at once.
            """CREATE TABLE wizard_step (
                step VARCHAR(255) NOT NULL PRIMARY KEY,
                data TEXT NOT NULL,
                updated_at DATETIME NOT NULL)""",
        ],
    ),
    (
        3,
        "call center: queues and members, pause reasons, customers, recording policy, music on hold",
        [
            "ALTER TABLE extension ADD COLUMN recording VARCHAR(255) NOT NULL DEFAULT 'never'",
            """CREATE TABLE queue (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL UNIQUE,
                strategy VARCHAR(255) NOT NULL,
                memory_seconds INTEGER NOT NULL,
                music VARCHAR(255) NOT NULL,
                announce_position INTEGER NOT NULL,
                announce_interval INTEGER NOT NULL,
                join_empty INTEGER NOT NULL,
                leave_empty INTEGER NOT NULL,
                max_wait INTEGER NOT NULL,
                max_callers INTEGER NOT NULL,
                overflow_kind VARCHAR(255) NOT NULL,
                overflow_target VARCHAR(255),
                wrapup INTEGER NOT NULL,
                ring_timeout INTEGER NOT NULL,
                announce_agent INTEGER NOT NULL,
                survey INTEGER NOT NULL,
                recording VARCHAR(255) NOT NULL,
                callback INTEGER NOT NULL,
                service_level INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE queue_member (
                id INTEGER NOT NULL PRIMARY KEY,
                queue_id INTEGER NOT NULL REFERENCES queue (id) ON DELETE RESTRICT,
                extension_id INTEGER NOT NULL REFERENCES extension (id) ON DELETE RESTRICT,
                penalty INTEGER NOT NULL,
                dynamic INTEGER NOT NULL)""",
            "CREATE UNIQUE INDEX queue_member_unique ON queue_member (queue_id, extension_id)",
            "CREATE INDEX queue_member_extension_id ON queue_member (extension_id)",
            """CREATE TABLE pause_reason (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                code INTEGER NOT NULL UNIQUE)""",
            "INSERT INTO pause_reason (name, code) VALUES ('Break', 1), ('Lunch', 2), ('Meeting', 3), "
            "('Training', 4), ('After-call work', 5)",
            """CREATE TABLE customer_level (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                priority INTEGER NOT NULL)""",
            "INSERT INTO customer_level (name, priority) VALUES ('Normal', 0), ('VIP', 10)",
            """CREATE TABLE customer (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                company VARCHAR(255),
                level_id INTEGER REFERENCES customer_level (id) ON DELETE RESTRICT,
                notes TEXT,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            "CREATE INDEX customer_level_id ON customer (level_id)",
            "CREATE INDEX customer_name ON customer (name)",
            """CREATE TABLE customer_number (
                id INTEGER NOT NULL PRIMARY KEY,
                customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
                number VARCHAR(255) NOT NULL UNIQUE,
                display VARCHAR(255) NOT NULL)""",
            "CREATE INDEX customer_number_customer_id ON customer_number (customer_id)",
            """CREATE TABLE music_class (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                created_at DATETIME NOT NULL)""",
            """CREATE TABLE music_file (
                id INTEGER NOT NULL PRIMARY KEY,
                music_class_id INTEGER NOT NULL REFERENCES music_class (id) ON DELETE RESTRICT,
                filename VARCHAR(255) NOT NULL,
                title VARCHAR(255) NOT NULL,
                duration REAL NOT NULL)""",
            "CREATE INDEX music_file_music_class_id ON music_file (music_class_id)",
        ],
    ),
    (
        4,
        "switchboard: do-not-disturb and call forwarding on extensions",
        [
            "ALTER TABLE extension ADD COLUMN dnd INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE extension ADD COLUMN forward_all VARCHAR(255)",
            "ALTER TABLE extension ADD COLUMN forward_busy VARCHAR(255)",
            "ALTER TABLE extension ADD COLUMN forward_no_answer VARCHAR(255)",
        ],
    ),
    (
        5,
        "switchboard: pickup groups on extensions",
        ["ALTER TABLE extension ADD COLUMN pickup_groups VARCHAR(255) NOT NULL DEFAULT ''"],
    ),
    (
        6,
        "switchboard: time conditions",
        [
            """CREATE TABLE time_condition (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                code INTEGER NOT NULL UNIQUE,
                rules TEXT NOT NULL,
                holidays TEXT NOT NULL,
                matched_kind VARCHAR(255) NOT NULL,
                matched_target VARCHAR(255),
                unmatched_kind VARCHAR(255) NOT NULL,
                unmatched_target VARCHAR(255),
                override VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
        ],
    ),
    (
        7,
        "switchboard: blacklist of caller numbers",
        [
            """CREATE TABLE blacklist_entry (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                note VARCHAR(255),
                created_at DATETIME NOT NULL)""",
        ],
    ),
    (
        8,
        "switchboard: intercom refusal on extensions, speed dials",
        [
            "ALTER TABLE extension ADD COLUMN intercom INTEGER NOT NULL DEFAULT 1",
            """CREATE TABLE speed_dial (
                id INTEGER NOT NULL PRIMARY KEY,
                code VARCHAR(255) NOT NULL UNIQUE,
                number VARCHAR(255) NOT NULL,
                name VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
        ],
    ),
    (
        9,
        "switchboard: conference rooms",
        [
            """CREATE TABLE conference (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                pin VARCHAR(255),
                host_pin VARCHAR(255),
                max_parties INTEGER NOT NULL,
                record INTEGER NOT NULL,
                wait_for_host INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
        ],
    ),
    (
        10,
        "switchboard: follow-me on extensions",
        [
            "ALTER TABLE extension ADD COLUMN follow_me_enabled INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE extension ADD COLUMN follow_me_numbers VARCHAR(255) NOT NULL DEFAULT ''",
            "ALTER TABLE extension ADD COLUMN follow_me_ring VARCHAR(255) NOT NULL DEFAULT 'sequential'",
            "ALTER TABLE extension ADD COLUMN follow_me_confirm INTEGER NOT NULL DEFAULT 1",
        ],
    ),
    (
        11,
        "switchboard: page groups",
        [
            """CREATE TABLE paging_group (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                duplex INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE paging_group_member (
                id INTEGER NOT NULL PRIMARY KEY,
                paging_group_id INTEGER NOT NULL REFERENCES paging_group (id) ON DELETE RESTRICT,
                extension_id INTEGER NOT NULL REFERENCES extension (id) ON DELETE RESTRICT,
                position INTEGER NOT NULL)""",
            "CREATE UNIQUE INDEX paging_group_member_unique ON paging_group_member (paging_group_id, extension_id)",
            "CREATE INDEX paging_group_member_extension_id ON paging_group_member (extension_id)",
        ],
    ),
    (
        12,
        "switchboard: outbound permission classes",
        [
            """CREATE TABLE permission_class (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                reach VARCHAR(255) NOT NULL,
                builtin INTEGER NOT NULL DEFAULT 0,
                note VARCHAR(255))""",
            """INSERT INTO permission_class (name, reach, builtin) VALUES
                ('internal', '', 1), ('local', 'local', 1), ('national', 'local,national', 1),
                ('international', 'local,national,international', 1)""",
            # Every extension dials as before until an administrator restricts it.
            "ALTER TABLE extension ADD COLUMN permission_class VARCHAR(255) NOT NULL DEFAULT 'international'",
            # A route nobody classified may reach anywhere: only unrestricted extensions use it.
            "ALTER TABLE outbound_pattern ADD COLUMN reach VARCHAR(255) NOT NULL DEFAULT 'international'",
            "ALTER TABLE queue ADD COLUMN callback_class VARCHAR(255) NOT NULL DEFAULT 'national'",
        ],
    ),
    (
        13,
        "what callers hear: a language on extensions, trunks, inbound routes, IVRs and queues",
        [f"ALTER TABLE {table} ADD COLUMN language VARCHAR(255)"
         for table in ("extension", "trunk", "inbound_route", "ivr", "queue")],
    ),
    (
        14,
        "hardware: E1 spans and analog ports, DAHDI trunks",
        [
            """CREATE TABLE dahdi_span (
                number INTEGER NOT NULL PRIMARY KEY,
                dahdi_span INTEGER NOT NULL,
                first_channel INTEGER NOT NULL,
                hw_echocan INTEGER NOT NULL DEFAULT 0,
                signalling VARCHAR(255) NOT NULL,
                framing VARCHAR(255) NOT NULL,
                coding VARCHAR(255) NOT NULL,
                crc4 INTEGER NOT NULL,
                timing INTEGER NOT NULL,
                switchtype VARCHAR(255) NOT NULL,
                overlap INTEGER NOT NULL,
                r2_variant VARCHAR(255) NOT NULL,
                r2_max_ani INTEGER NOT NULL,
                r2_max_dnis INTEGER NOT NULL,
                r2_category VARCHAR(255) NOT NULL,
                r2_double_answer INTEGER NOT NULL,
                trunk_id INTEGER REFERENCES trunk (id) ON DELETE RESTRICT)""",
            """CREATE TABLE dahdi_port (
                number INTEGER NOT NULL PRIMARY KEY,
                channel INTEGER NOT NULL,
                hw_echocan INTEGER NOT NULL DEFAULT 0,
                kind VARCHAR(255) NOT NULL,
                extension_id INTEGER UNIQUE REFERENCES extension (id) ON DELETE RESTRICT,
                trunk_id INTEGER REFERENCES trunk (id) ON DELETE RESTRICT)""",
            # A SIP trunk stays one; a DAHDI trunk is a channel group of spans or FXO ports.
            "ALTER TABLE trunk ADD COLUMN kind VARCHAR(255) NOT NULL DEFAULT 'sip'",
        ],
    ),
    (
        15,
        "security: banned addresses",
        [
            """CREATE TABLE security_ban (
                address VARCHAR(255) NOT NULL PRIMARY KEY,
                reason VARCHAR(255) NOT NULL,
                since REAL NOT NULL,
                until REAL,
                count INTEGER NOT NULL)""",
        ],
    ),
    (
        16,
        "outgoing mail: the durable outbox",
        [
            """CREATE TABLE outgoing_mail (
                id INTEGER NOT NULL PRIMARY KEY,
                key VARCHAR(255) UNIQUE,
                recipients TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                attachments TEXT NOT NULL,
                state VARCHAR(255) NOT NULL,
                attempts INTEGER NOT NULL,
                created_at DATETIME NOT NULL,
                next_try DATETIME NOT NULL,
                last_error TEXT,
                sent_at DATETIME)""",
            "CREATE INDEX outgoing_mail_state_next_try ON outgoing_mail (state, next_try)",
        ],
    ),
    (
        17,
        "tickets: departments, ticket categories, tickets with their history and comments",
        [
            """CREATE TABLE department (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                phone VARCHAR(255),
                email VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE ticket_category (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                parent_id INTEGER REFERENCES ticket_category (id) ON DELETE RESTRICT,
                time_limit_hours INTEGER,
                department_id INTEGER REFERENCES department (id) ON DELETE RESTRICT)""",
            "CREATE UNIQUE INDEX ticket_category_unique ON ticket_category (IFNULL(parent_id, 0), name)",
            "CREATE INDEX ticket_category_parent_id ON ticket_category (parent_id)",
            "CREATE INDEX ticket_category_department_id ON ticket_category (department_id)",
            # A department user signs in to see their department's tickets only.
            "ALTER TABLE user ADD COLUMN department_id INTEGER REFERENCES department (id) ON DELETE RESTRICT",
            """CREATE TABLE ticket (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                kind VARCHAR(255) NOT NULL,
                category_id INTEGER REFERENCES ticket_category (id) ON DELETE RESTRICT,
                caller VARCHAR(255),
                caller_key VARCHAR(255),
                customer_id INTEGER REFERENCES customer (id) ON DELETE SET NULL,
                summary VARCHAR(255) NOT NULL,
                details TEXT,
                channel VARCHAR(255) NOT NULL,
                call_id VARCHAR(255),
                department_id INTEGER REFERENCES department (id) ON DELETE RESTRICT,
                assignee VARCHAR(255),
                priority VARCHAR(255) NOT NULL,
                deadline DATETIME,
                status VARCHAR(255) NOT NULL,
                created_by VARCHAR(255) NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            "CREATE INDEX ticket_status_deadline ON ticket (status, deadline)",
            "CREATE INDEX ticket_department_id ON ticket (department_id)",
            "CREATE INDEX ticket_caller_key ON ticket (caller_key)",
            "CREATE INDEX ticket_call_id ON ticket (call_id)",
            """CREATE TABLE ticket_event (
                id INTEGER NOT NULL PRIMARY KEY,
                ticket_id INTEGER NOT NULL REFERENCES ticket (id) ON DELETE CASCADE,
                at DATETIME NOT NULL,
                actor VARCHAR(255) NOT NULL,
                field VARCHAR(255) NOT NULL,
                old TEXT,
                new TEXT)""",
            "CREATE INDEX ticket_event_ticket_id ON ticket_event (ticket_id)",
            """CREATE TABLE ticket_comment (
                id INTEGER NOT NULL PRIMARY KEY,
                ticket_id INTEGER NOT NULL REFERENCES ticket (id) ON DELETE CASCADE,
                at DATETIME NOT NULL,
                actor VARCHAR(255) NOT NULL,
                text TEXT NOT NULL)""",
            "CREATE INDEX ticket_comment_ticket_id ON ticket_comment (ticket_id)",
        ],
    ),
    (
        18,
        "fax detection on inbound routes",
        ["ALTER TABLE inbound_route ADD COLUMN fax_detect INTEGER NOT NULL DEFAULT 0"],
    ),
    (
        19,
        "a phone in the browser for an extension",
        ["ALTER TABLE extension ADD COLUMN browser_phone INTEGER NOT NULL DEFAULT 0"],
    ),
    (
        20,
        "desk phone provisioning: claimed phones and the phones that asked",
        [
            """CREATE TABLE desk_phone (
                id INTEGER NOT NULL PRIMARY KEY,
                mac VARCHAR(255) NOT NULL UNIQUE,
                extension_id INTEGER NOT NULL REFERENCES extension (id) ON DELETE RESTRICT,
                template VARCHAR(255) NOT NULL,
                transport VARCHAR(255) NOT NULL,
                blf TEXT NOT NULL,
                park_keys INTEGER NOT NULL,
                firmware_url VARCHAR(255),
                token VARCHAR(255) NOT NULL UNIQUE,
                password VARCHAR(255) NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            "CREATE INDEX desk_phone_extension_id ON desk_phone (extension_id)",
            # Not config: what unclaimed phones asked for, so that an administrator can claim them.
            """CREATE TABLE phone_request (
                mac VARCHAR(255) NOT NULL PRIMARY KEY,
                user_agent VARCHAR(255) NOT NULL,
                address VARCHAR(255) NOT NULL,
                file VARCHAR(255) NOT NULL,
                count INTEGER NOT NULL,
                first_seen DATETIME NOT NULL,
                last_seen DATETIME NOT NULL)""",
            "CREATE INDEX phone_request_last_seen ON phone_request (last_seen)",
        ],
    ),
    (
        21,
        "network settings as interfaces, VLANs, routes and DNS",
        # The wizard's one port (interface, mode, address, gateway, dns) becomes the network
        # document (network/schema.py from_wizard): a static port with its address, its gateway
        # as the default route, a DHCP port where one was named.
        ["""UPDATE setting SET value = json_object(
                'interfaces', CASE
                    WHEN json_extract(value, '$.mode') = 'static' AND json_extract(value, '$.address') IS NOT NULL
                        THEN json_array(json_object('name', coalesce(json_extract(value, '$.interface'), 'eth0'),
                                                    'mode', 'static',
                                                    'addresses', json_array(json_extract(value, '$.address'))))
                    WHEN json_extract(value, '$.interface') IS NOT NULL
                        THEN json_array(json_object('name', json_extract(value, '$.interface'), 'mode', 'dhcp',
                                                    'addresses', json_array()))
                    ELSE json_array() END,
                'vlans', json_array(),
                'routes', CASE
                    WHEN json_extract(value, '$.mode') = 'static' AND json_extract(value, '$.address') IS NOT NULL
                         AND json_extract(value, '$.gateway') IS NOT NULL
                        THEN json_array(json_object('destination', '0.0.0.0/0',
                                                    'gateway', json_extract(value, '$.gateway'),
                                                    'interface', NULL, 'metric', NULL))
                    ELSE json_array() END,
                'dns', json(coalesce(json_extract(value, '$.dns'), '[]')),
                'confirm_seconds', 60)
            WHERE key = 'network' AND json_extract(value, '$.interfaces') IS NULL"""],
    ),
    (
        22,
        "an extension's SIP transport and SRTP",
        ["ALTER TABLE extension ADD COLUMN transport VARCHAR(255) NOT NULL DEFAULT 'udp'",
         "ALTER TABLE extension ADD COLUMN srtp VARCHAR(255) NOT NULL DEFAULT 'off'"],
    ),
    (
        23,
        "WireGuard peers",
        [
            """CREATE TABLE vpn_peer (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                public_key VARCHAR(255) NOT NULL UNIQUE,
                allowed_ips VARCHAR(255) NOT NULL,
                endpoint VARCHAR(255),
                keepalive INTEGER NOT NULL DEFAULT 0,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
        ],
    ),
    (
        24,
        "sites: branches of this headquarters",
        [
            """CREATE TABLE site (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                number INTEGER NOT NULL UNIQUE,
                extensions_from VARCHAR(255) NOT NULL,
                extensions_to VARCHAR(255) NOT NULL,
                breakout_patterns VARCHAR(255) NOT NULL DEFAULT '',
                code_hash VARCHAR(255) NOT NULL UNIQUE,
                code_expires DATETIME NOT NULL,
                tunnel_address VARCHAR(255) NOT NULL,
                trunk_secret VARCHAR(255) NOT NULL,
                enrolled_at DATETIME,
                public_key VARCHAR(255),
                vpn_peer_id INTEGER REFERENCES vpn_peer (id) ON DELETE SET NULL,
                version VARCHAR(255),
                phones_registered INTEGER,
                created_at DATETIME NOT NULL)""",
            "CREATE INDEX site_vpn_peer_id ON site (vpn_peer_id)",
        ],
    ),
    (
        25,
        "SMS: gateways, templates, the message outbox and inbox, broadcasts, customers' opt-out",
        [
            """CREATE TABLE sms_gateway (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                kind VARCHAR(255) NOT NULL,
                enabled INTEGER NOT NULL,
                rate REAL NOT NULL,
                attempts INTEGER NOT NULL,
                options TEXT NOT NULL,
                token VARCHAR(255) NOT NULL UNIQUE,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE sms_template (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                text TEXT NOT NULL,
                events VARCHAR(255) NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE sms_broadcast (
                id INTEGER NOT NULL PRIMARY KEY,
                template_id INTEGER,
                text TEXT NOT NULL,
                filter TEXT NOT NULL,
                total INTEGER NOT NULL,
                opted_out INTEGER NOT NULL,
                no_number INTEGER NOT NULL,
                created_by VARCHAR(255) NOT NULL,
                created_at DATETIME NOT NULL)""",
            """CREATE TABLE sms_message (
                id INTEGER NOT NULL PRIMARY KEY,
                key VARCHAR(255) UNIQUE,
                direction VARCHAR(255) NOT NULL,
                number VARCHAR(255) NOT NULL,
                text TEXT NOT NULL,
                state VARCHAR(255) NOT NULL,
                attempts INTEGER NOT NULL,
                gateway_id INTEGER,
                external_id VARCHAR(255),
                customer_id INTEGER,
                broadcast_id INTEGER,
                template_id INTEGER,
                created_by VARCHAR(255),
                created_at DATETIME NOT NULL,
                next_try DATETIME NOT NULL,
                sent_at DATETIME,
                delivered_at DATETIME,
                last_error TEXT)""",
            "CREATE INDEX sms_message_state_next_try ON sms_message (state, next_try)",
            "CREATE INDEX sms_message_number ON sms_message (number)",
            "CREATE INDEX sms_message_customer_id ON sms_message (customer_id)",
            "CREATE INDEX sms_message_broadcast_id ON sms_message (broadcast_id)",
            "CREATE INDEX sms_message_gateway_external ON sms_message (gateway_id, external_id)",
            "ALTER TABLE customer ADD COLUMN sms_opt_out INTEGER NOT NULL DEFAULT 0",
        ],
    ),
    (
        26,
        "a ticket's first answer: when its status first became answered or closed (the tickets report)",
        [
            "ALTER TABLE ticket ADD COLUMN answered_at DATETIME",
            "UPDATE ticket SET answered_at = (SELECT MIN(e.at) FROM ticket_event e WHERE e.ticket_id = ticket.id"
            " AND e.field = 'status' AND e.new IN ('answered', 'closed'))",
        ],
    ),
    (
        27,
        "self-service steps of IVRs",
        ["ALTER TABLE ivr ADD COLUMN steps TEXT NOT NULL DEFAULT '[]'"],
    ),
    (
        28,
        "surveys, outbound survey campaigns, their numbers and the answers; a queue's survey after calls",
        [
            """CREATE TABLE survey (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                questions TEXT NOT NULL,
                language VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE campaign (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL UNIQUE,
                survey_id INTEGER NOT NULL REFERENCES survey (id) ON DELETE RESTRICT,
                permission_class VARCHAR(255) NOT NULL,
                calls_at_once INTEGER NOT NULL,
                calls_per_minute INTEGER NOT NULL,
                hours_from VARCHAR(255) NOT NULL,
                hours_to VARCHAR(255) NOT NULL,
                retries INTEGER NOT NULL,
                retry_minutes INTEGER NOT NULL,
                ring_seconds INTEGER NOT NULL,
                status VARCHAR(255) NOT NULL,
                created_by VARCHAR(255) NOT NULL,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            "CREATE INDEX campaign_survey_id ON campaign (survey_id)",
            """CREATE TABLE campaign_number (
                id INTEGER NOT NULL PRIMARY KEY,
                campaign_id INTEGER NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                number VARCHAR(255) NOT NULL,
                state VARCHAR(255) NOT NULL,
                outcome VARCHAR(255),
                attempts INTEGER NOT NULL,
                next_try DATETIME,
                call_id VARCHAR(255),
                updated_at DATETIME NOT NULL)""",
            "CREATE UNIQUE INDEX campaign_number_campaign_id_number ON campaign_number (campaign_id, number)",
            "CREATE INDEX campaign_number_state ON campaign_number (state)",
            """CREATE TABLE survey_answer (
                id INTEGER NOT NULL PRIMARY KEY,
                survey_id INTEGER NOT NULL,
                campaign_id INTEGER,
                entry_id INTEGER,
                call_id VARCHAR(255) NOT NULL,
                number VARCHAR(255) NOT NULL,
                question INTEGER NOT NULL,
                key VARCHAR(255) NOT NULL,
                at DATETIME NOT NULL)""",
            "CREATE INDEX survey_answer_survey_id ON survey_answer (survey_id)",
            "CREATE INDEX survey_answer_campaign_id ON survey_answer (campaign_id)",
            "ALTER TABLE queue ADD COLUMN survey_after_id INTEGER",
        ],
    ),
    (
        29,
        "messages of ticket mailboxes and the tickets they became",
        [
            """CREATE TABLE voicemail_ticket (
                id INTEGER NOT NULL PRIMARY KEY,
                mailbox VARCHAR(255) NOT NULL,
                message VARCHAR(255) NOT NULL,
                ticket_id INTEGER NOT NULL REFERENCES ticket (id) ON DELETE CASCADE)""",
            "CREATE UNIQUE INDEX voicemail_ticket_mailbox_message ON voicemail_ticket (mailbox, message)",
            "CREATE INDEX voicemail_ticket_ticket_id ON voicemail_ticket (ticket_id)",
        ],
    ),
    (
        30,
        "DAHDI spans: the box's looped software spans",
        ["ALTER TABLE dahdi_span ADD COLUMN software INTEGER NOT NULL DEFAULT 0"],
    ),
    (
        31,
        "sites: the extensions a branch reports having, for headquarters' busy lamps",
        ["ALTER TABLE site ADD COLUMN extensions_listed TEXT NOT NULL DEFAULT ''"],
    ),
    (
        32,
        "tickets at 100,000: the desk's order as an index, the report's daily rollup",
        [
            # The desk's list: open tickets with a deadline first, nearest deadline first, then
            # the newest (appliance/tickets/desk.py writes the same expressions); the columns the
            # list's filters and the report's overdue count read are carried along.
            """CREATE INDEX ticket_desk ON ticket (
                (status IN ('new', 'dispatched', 'in_progress', 'reopened') AND deadline IS NOT NULL) DESC,
                (CASE WHEN status IN ('new', 'dispatched', 'in_progress', 'reopened') THEN deadline END),
                created_at DESC, id DESC, status, department_id, deadline, kind, category_id)""",
            """CREATE TABLE ticket_day (
                scope INTEGER NOT NULL,
                dimension VARCHAR(255) NOT NULL,
                day VARCHAR(10) NOT NULL,
                key VARCHAR(255) NOT NULL,
                tickets INTEGER NOT NULL,
                open INTEGER NOT NULL,
                open_timed INTEGER NOT NULL,
                answered INTEGER NOT NULL,
                on_time INTEGER NOT NULL,
                late INTEGER NOT NULL,
                answer_us INTEGER NOT NULL,
                PRIMARY KEY (scope, dimension, day, key)) WITHOUT ROWID""",
            "CREATE TABLE ticket_rollup (zone VARCHAR(255) NOT NULL)",
        ],
    ),
    (
        33,
        "remote seats: a WireGuard peer made for one extension's phone",
        ["ALTER TABLE vpn_peer ADD COLUMN extension_id INTEGER REFERENCES extension (id) ON DELETE CASCADE",
         "CREATE UNIQUE INDEX vpn_peer_extension_id ON vpn_peer (extension_id)"],
    ),
    (
        34,
        "DAHDI ports: the box's looped software ports",
        ["ALTER TABLE dahdi_port ADD COLUMN software INTEGER NOT NULL DEFAULT 0"],
    ),
    (
        35,
        "sites: a branch's Asterisk entity id, under which headquarters keeps its published states",
        ["ALTER TABLE site ADD COLUMN eid VARCHAR(255)"],
    ),
]


def current_version(database) -> int:
    database.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY,"
        " description TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    row = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(database, migrations=None) -> int:
    """Bring `database` to the last of `migrations` (the config database's by default)."""
    migrations = MIGRATIONS if migrations is None else migrations
    version = current_version(database)
    known = migrations[-1][0]
    if version > known:
        raise RuntimeError(
            f"database is at schema {version}, newer than this software ({known})"
        )
    for number, description, statements in migrations:
        if number <= version:
            continue
        with database.atomic():
            for sql in statements:
                database.execute_sql(sql)
            database.execute_sql(
                f"INSERT INTO schema_version (version, description) VALUES ({database.param}, {database.param})",
                (number, description),
            )
        log.info("database migrated to schema %d: %s", number, description)
        version = number
    return version
