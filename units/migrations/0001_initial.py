"""Unit and GroupMembership move from quotas to units without touching their tables.

State only: the models keep their tables (quotas_unit, quotas_groupmembership); quotas 0006 drops
them from quotas' state, and the foreign keys of core, declarations and quotas point here in state
only. The content types are renamed so audit records and permissions keep pointing at the rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import units.validators

MOVED = ("unit", "groupmembership")


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="quotas", model__in=MOVED).update(app_label="units")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="units", model__in=MOVED).update(app_label="quotas")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("declarations", "0005_guide_files_kind_directions"),
        ("quotas", "0005_one_unit_per_division"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Unit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='单位名称')),
                        ('kind', models.CharField(choices=[('province', '省级主管部门'), ('xpcc', '新疆生产建设兵团'), ('plan_city', '计划单列市'), ('subprov_capital', '副省级省会城市'), ('soe', '中央企业集团'), ('pilot_zone', '国家大数据综合试验区'), ('district', '区县主管部门'), ('other', '其他')], max_length=20, verbose_name='单位类型')),
                        ('region', models.CharField(blank=True, choices=[('11', '北京市'), ('12', '天津市'), ('13', '河北省'), ('14', '山西省'), ('15', '内蒙古自治区'), ('21', '辽宁省'), ('22', '吉林省'), ('23', '黑龙江省'), ('31', '上海市'), ('32', '江苏省'), ('33', '浙江省'), ('34', '安徽省'), ('35', '福建省'), ('36', '江西省'), ('37', '山东省'), ('41', '河南省'), ('42', '湖北省'), ('43', '湖南省'), ('44', '广东省'), ('45', '广西壮族自治区'), ('46', '海南省'), ('50', '重庆市'), ('51', '四川省'), ('52', '贵州省'), ('53', '云南省'), ('54', '西藏自治区'), ('61', '陕西省'), ('62', '甘肃省'), ('63', '青海省'), ('64', '宁夏回族自治区'), ('65', '新疆维吾尔自治区'), ('66', '新疆生产建设兵团')], max_length=2, verbose_name='所在省级地区')),
                        ('division', models.CharField(blank=True, help_text='GB/T 2260 六位代码：区县主管部门填区县代码（如河西区 120103），计划单列市、副省级省会城市填市代码（如大连市 210200）。申报单位按所在地自动归入其辖区推荐单位。', max_length=6, verbose_name='辖区行政区划代码')),
                        ('seal', models.ImageField(blank=True, upload_to='seals/', validators=[units.validators.validate_seal], verbose_name='电子印章（透明背景 PNG）')),
                        ('doc_prefix', models.CharField(blank=True, help_text='推荐函文号的机关代字，例如“津工信软”；留空则用“推荐函”。', max_length=20, verbose_name='发文机关代字')),
                        ('contact_name', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                        ('contact_phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                        ('contact_email', models.EmailField(blank=True, max_length=254, verbose_name='联系邮箱')),
                        ('address', models.CharField(blank=True, max_length=200, verbose_name='通讯地址')),
                        ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='units.unit', verbose_name='上级推荐单位')),
                    ],
                    options={
                        'verbose_name': '推荐单位',
                        'verbose_name_plural': '推荐单位',
                        'db_table': 'quotas_unit',
                        'ordering': ['region', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='GroupMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.CharField(choices=[('pending', '待集团确认'), ('accepted', '集团已确认'), ('rejected', '集团未确认')], default='pending', max_length=10, verbose_name='状态')),
                        ('note', models.CharField(help_text='例如：集团全资子公司“国网天津市电力公司”的下属单位，持股比例 100%', max_length=200, verbose_name='隶属关系说明')),
                        ('reason', models.CharField(blank=True, max_length=500, verbose_name='集团处理意见')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='申请时间')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='group_memberships', to='declarations.organisation', verbose_name='申报单位')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('group', models.ForeignKey(limit_choices_to={'kind': 'soe'}, on_delete=django.db.models.deletion.PROTECT, related_name='membership_requests', to='units.unit', verbose_name='中央企业集团')),
                    ],
                    options={
                        'verbose_name': '集团成员确认',
                        'verbose_name_plural': '集团成员确认',
                        'db_table': 'quotas_groupmembership',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='unit',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_active', True), models.Q(('division', ''), _negated=True)), fields=('division',), name='one_active_unit_per_division', violation_error_message='已有启用的推荐单位使用该行政区划代码'),
                ),
                migrations.AddConstraint(
                    model_name='groupmembership',
                    constraint=models.UniqueConstraint(fields=('organisation', 'group'), name='one_membership_per_group'),
                ),
                migrations.AddConstraint(
                    model_name='groupmembership',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'accepted', 'rejected'])), name='membership_state_valid'),
                ),
                migrations.AddConstraint(
                    model_name='groupmembership',
                    constraint=models.CheckConstraint(condition=models.Q(('state', 'pending'), ('decided_at__isnull', False), _connector='OR'), name='membership_decided_has_time'),
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
